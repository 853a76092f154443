"""The recognition engine: ONNX models, preprocessing, detection, classification and taxonomy roll-up.

No Qt and no torch here: the GUI, the headless monitor and batch jobs all drive
this package the same way.
"""
