"""The sightings list: time, thumbnail, species and best confidence; double-click opens the snapshot.

Right-click a sighting to teach: confirm its species, correct it, or mark it as
empty, human or vehicle (``teach_requested``; the window saves the example).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPoint, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableWidget, QTableWidgetItem

from livespecies.gui.video_view import to_qimage
from livespecies.sightings.snapshots import SnapshotFiles
from livespecies.sightings.teach import NON_ANIMALS
from livespecies.sightings.visits import Sighting

CORRECT = "@correct"  # teach_requested's name for "ask the user which species it was"

THUMB = 72
# The panel shows the newest sightings only; every sighting is in the sightings log and database. Each row holds
# a thumbnail and a few items: without a bound a window watching a feeder grew by hundreds of rows a day.
MAX_ROWS = 300
VISIT, SNAPSHOT = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1  # kept in each row's time and species items


class SightingsPanel(QTableWidget):
    open_requested = Signal(object)  # Path
    teach_requested = Signal(int, object)  # row, and None (its species is right), a class name, or CORRECT

    def __init__(self, max_rows: int = MAX_ROWS) -> None:
        super().__init__(0, 4)
        self.max_rows = max_rows
        self.setHorizontalHeaderLabels(["time", "", "species", "best"])
        self.setIconSize(QSize(THUMB, THUMB))
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(THUMB + 6)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.setColumnWidth(1, THUMB + 8)
        self.setMinimumWidth(340)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cellDoubleClicked.connect(self._open_row)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._teach_menu)
        # Sighting id → its row's time item; the row follows the item when rows are inserted or removed.
        self._items: dict[int, QTableWidgetItem] = {}

    def add_visit(self, visit: Sighting, thumbnail: npt.NDArray[np.uint8] | None, snapshot: Path | None) -> int:
        """A new sighting on top; beyond ``max_rows`` the oldest rows go."""
        self.insertRow(0)
        when = QTableWidgetItem(datetime.fromtimestamp(visit.started_at or visit.started).strftime("%H:%M:%S"))
        when.setData(VISIT, visit.visit_id)
        self.setItem(0, 0, when)
        self._items[visit.visit_id] = when
        picture = QTableWidgetItem()
        if thumbnail is not None and thumbnail.size:
            small = np.asarray(cv2.resize(thumbnail, (THUMB, THUMB), interpolation=cv2.INTER_AREA), dtype=np.uint8)
            picture.setIcon(QIcon(QPixmap.fromImage(to_qimage(small))))
        self.setItem(0, 1, picture)
        self.setItem(0, 2, QTableWidgetItem(visit.label))
        self.setItem(0, 3, QTableWidgetItem(f"{visit.best_confidence:.0%}"))
        if snapshot is not None:
            self._link(0, snapshot)
        while self.rowCount() > self.max_rows:
            self._drop_last_row()
        return 0

    def show_changes(self, changes: list[tuple[Sighting, npt.NDArray[np.uint8] | None]]) -> None:
        """A new row for each sighting that comes with its thumbnail (it just started); the others' rows refreshed."""
        for visit, picture in changes:
            if picture is not None:
                self.add_visit(visit, picture, None)
            else:
                self.update_visit(visit)

    def _drop_last_row(self) -> None:
        last = self.rowCount() - 1
        visit_id = self.row_visit(last)
        if visit_id is not None:
            self._items.pop(visit_id, None)
        self.removeRow(last)

    def row_of(self, visit_id: int) -> int | None:
        """The row showing that visit, or None when it is not (or no longer) in the panel."""
        item = self._items.get(visit_id)
        return None if item is None else self.row(item)

    def _link(self, row: int, snapshot: Path) -> None:
        species = self.item(row, 2)
        if species is not None:
            species.setData(SNAPSHOT, str(snapshot))
            species.setToolTip(str(snapshot))

    @property
    def snapshots(self) -> dict[int, Path]:
        """Row → the snapshot a double-click on it opens (rows without one are left out)."""
        found = {row: self.item(row, 2) for row in range(self.rowCount())}
        return {row: Path(item.data(SNAPSHOT)) for row, item in found.items() if item is not None and item.data(SNAPSHOT)}

    def attach_snapshot(self, visit: Sighting, files: SnapshotFiles) -> None:
        """A sighting's auto snapshot is written after its row appears: link it to that row."""
        row = self.row_of(visit.visit_id)
        if row is not None:
            self._link(row, files.annotated)

    def update_visit(self, visit: Sighting) -> None:
        """Best confidence, and the name when the visit's evidence now supports another (unless the user taught it)."""
        row = self.row_of(visit.visit_id)
        if row is None:
            return
        best, species = self.item(row, 3), self.item(row, 2)
        if best is not None:
            best.setText(f"{visit.best_confidence:.0%}")
        if species is not None and " → " not in species.text() and species.text() != visit.label:
            species.setText(visit.label)

    def _open_row(self, row: int, _column: int) -> None:
        species = self.item(row, 2)
        path = species.data(SNAPSHOT) if species is not None else None
        if path:
            self.open_requested.emit(Path(path))
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def row_label(self, row: int) -> str:
        item = self.item(row, 2)
        return item.text() if item else ""

    def row_visit(self, row: int) -> int | None:
        """The id of the visit shown in ``row``."""
        item = self.item(row, 0)
        visit_id = item.data(VISIT) if item is not None else None
        return int(visit_id) if visit_id is not None else None

    def mark_taught(self, row: int, label: str) -> None:
        item = self.item(row, 2)
        if item is not None:
            item.setText(f"{self.row_label(row).split(' → ')[0]} → {label} ✓")

    def teach_actions(self, row: int) -> list[tuple[str, object]]:
        """The menu a right-click on ``row`` opens: (text, what teach_requested carries)."""
        label = self.row_label(row).split(" → ")[0]
        return [(f"Confirm: {label}", None), ("Correct the species…", CORRECT),
                *((f"Mark as {name}", name) for name in NON_ANIMALS)]  # fmt: skip

    def _teach_menu(self, position: QPoint) -> None:
        row = self.rowAt(position.y())
        if row < 0:
            return
        menu = QMenu(self)
        for text, name in self.teach_actions(row):
            menu.addAction(text, partial(self.teach_requested.emit, row, name))
        menu.exec(self.viewport().mapToGlobal(position))
