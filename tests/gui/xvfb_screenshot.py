"""Open the real window on the demo clip under a real X server (Xvfb), wait for a labelled animal,
and save a screenshot of the whole screen. Run by tests/gui/test_xvfb.py:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1280x800x24" python tests/gui/xvfb_screenshot.py OUT.png SETTINGS.ini [SIGHTINGS]

With SIGHTINGS (the README's screenshot uses 5), it waits until that many animals of the clip were sighted, so the
picture shows the sightings panel with one row per animal and auto snapshots on.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from livespecies.gui.main_window import MainWindow, WindowOptions
from livespecies.inference.assembly import assemble, choose
from livespecies.inference.defaults import default_classifier, default_detector, default_specialists, demo_clip
from livespecies.inference.engine import EngineSettings


def main() -> int:
    out, settings_file = Path(sys.argv[1]), Path(sys.argv[2])
    sightings = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    patience = 60 + 15 * sightings
    app = QApplication(sys.argv[:1])
    recognizer = assemble(choose(default_classifier(), default_detector(), default_specialists()), EngineSettings())
    options = WindowOptions(recognizer, None, demo_clip(), (), settings_file.parent / "snapshots", 0.7)
    window = MainWindow(options, QSettings(str(settings_file), QSettings.Format.IniFormat))
    window.move(0, 0)
    window.resize(1280, 800)
    window.show()
    window.auto_box.setChecked(sightings > 1)
    window.open_source("demo")
    started = time.monotonic()
    status = {"code": 1}

    def poll() -> None:
        predictions = window.latest.result.predictions if window.latest is not None else ()
        labelled = any(p.label == "polar bear" for p in predictions) if sightings == 1 else len(predictions) > 0
        if labelled and window.shown_frames > 15 and window.sightings.rowCount() >= sightings:
            timer.stop()
            QTimer.singleShot(400, grab)  # let the labelled frame reach the screen
        elif time.monotonic() - started > patience:
            print(f"not {sightings} sightings and a labelled animal within {patience} s", file=sys.stderr)
            app.quit()

    def grab() -> None:
        screen = app.primaryScreen()
        picture = screen.grabWindow(0)  # the X server's root window: what a person would see
        status["code"] = 0 if picture.save(str(out)) else 1
        print(f"screen {screen.name()} {picture.width()}x{picture.height()} platform {app.platformName()}")
        window.close()
        app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(100)
    app.exec()
    return status["code"]


if __name__ == "__main__":
    raise SystemExit(main())
