"""livespecies: live animal species recognition from cameras, streams and photos.

The recognition engine (``livespecies.inference``) needs only numpy, OpenCV and
onnxruntime; Qt lives in ``livespecies.gui`` alone and torch never appears here.
"""

__version__ = "0.1.0"
