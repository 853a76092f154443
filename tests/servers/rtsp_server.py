#!/usr/bin/env python3
"""A real RTSP server on loopback for the tests: Debian's GStreamer RTSP server, run by the system Python.

    /usr/bin/python3 tests/servers/rtsp_server.py PORT 'frames/%03d.jpg' FPS [USER PASSWORD [basic|digest]]

Serves the JPEG sequence, looped forever, as H.264 at rtsp://127.0.0.1:PORT/live (with Basic or
Digest authentication when USER and PASSWORD are given; IP cameras use both) and prints "ready"
once it listens.
Its bindings (python3-gi, gir1.2-gst-rtsp-server-1.0) exist only for the system interpreter,
which is why the tests start it as a separate process (see FACTS).
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main() -> None:
    port, pattern, fps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f'( multifilesrc location="{pattern}" loop=true caps="image/jpeg,framerate={fps}/1" ! jpegdec ! videoconvert '
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )
    factory.set_shared(True)
    if len(sys.argv) >= 6:
        user, password = sys.argv[4], sys.argv[5]
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "viewer")
        if len(sys.argv) >= 7 and sys.argv[6] == "digest":
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(user, password, token)
        else:
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_role_from_structure(
            Gst.Structure.new_from_string("viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")
        )
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory("/live", factory)
    if server.attach(None) == 0:
        print(f"cannot listen on port {port}", flush=True)
        sys.exit(1)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
