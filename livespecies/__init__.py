"""livespecies: live animal species recognition from cameras, streams and photos.

The recognition engine (``livespecies.inference``) needs only numpy, OpenCV and
onnxruntime; Qt lives in ``livespecies.gui`` alone and torch never appears here.
"""

import os

__version__ = "0.1.0"

# Before any module loads cv2: OpenCV and FFmpeg would print their own warnings to stderr, without
# context and sometimes with a stream's URL and password. The capture loop logs each failure itself,
# with its cause and the URL redacted. Short stream probing: opening an RTSP stream drops from ~1.2 s
# to ~0.24 s (measured).
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "analyzeduration;100000|probesize;32768")
