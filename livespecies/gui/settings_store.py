"""UI preferences kept between runs (QSettings): last source, threshold, snapshot folder, species list, window layout.

Only preferences live here; recognition settings belong to the typed config.
A stream URL is stored through ``storable``: a literal password never reaches
the settings file (a ``${NAME}`` placeholder does).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from livespecies.capture.source_spec import storable


class UiPreferences:
    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    @property
    def source(self) -> str | None:
        value = self.settings.value("source", None)
        return str(value) if value else None

    @source.setter
    def source(self, text: str) -> None:
        self.settings.setValue("source", storable(text))

    @property
    def threshold(self) -> float | None:
        value = self.settings.value("threshold", None)
        try:
            number = float(value) if value is not None else None  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None  # a hand-edited or corrupt settings file falls back to the default
        return number if number is not None and 0.05 <= number <= 1.0 else None

    @threshold.setter
    def threshold(self, value: float) -> None:
        self.settings.setValue("threshold", float(value))

    @property
    def snapshot_folder(self) -> Path | None:
        value = self.settings.value("snapshot_folder", None)
        return Path(str(value)) if value else None

    @snapshot_folder.setter
    def snapshot_folder(self, folder: Path) -> None:
        self.settings.setValue("snapshot_folder", str(folder))

    @property
    def species_list(self) -> Path | None:
        value = self.settings.value("species_list", None)
        return Path(str(value)) if value else None

    @species_list.setter
    def species_list(self, path: Path | None) -> None:
        self.settings.setValue("species_list", str(path) if path else "")

    @property
    def teach_folder(self) -> Path | None:
        value = self.settings.value("teach_folder", None)
        return Path(str(value)) if value else None

    @teach_folder.setter
    def teach_folder(self, folder: Path) -> None:
        self.settings.setValue("teach_folder", str(folder))

    @property
    def auto_snapshot(self) -> bool:
        return str(self.settings.value("auto_snapshot", "false")).lower() in ("true", "1")

    @auto_snapshot.setter
    def auto_snapshot(self, on: bool) -> None:
        self.settings.setValue("auto_snapshot", bool(on))

    def geometry(self) -> QByteArray | None:
        value = self.settings.value("geometry", None)
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self.settings.value("window_state", None)
        return value if isinstance(value, QByteArray) else None

    def save_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        self.settings.setValue("geometry", geometry)
        self.settings.setValue("window_state", state)

    def sync(self) -> None:
        self.settings.sync()
