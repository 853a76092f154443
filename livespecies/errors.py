"""Errors a user can cause, each carrying one sentence that says what to do.

Programming errors stay ordinary exceptions and stay loud; only these are
caught at the edges (CLI, GUI) and shown as a single line.
"""


class UserError(Exception):
    """A problem with something the user gave us: a path, a model file, an image, a setting."""


class ModelError(UserError):
    """A model file that is missing, is not ONNX, or does not carry a valid livespecies contract."""


class ImageError(UserError):
    """An image that cannot be decoded into pixels we can trust."""
