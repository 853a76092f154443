"""Drawing results onto frames with OpenCV: the live view and the annotated snapshots use the same code.

Labels are sized from the height of the image they are drawn on, with a floor,
and always sit on an opaque dark plate with a coloured edge, so they read on
snow, foliage or night-time infrared alike and at any window size (the GUI
draws on the frame after scaling it to the window, not before).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from livespecies.types import Box, Prediction, Result

Pixels = npt.NDArray[np.uint8]
KNOWN = (60, 200, 60)  # BGR green: a named animal
UNKNOWN = (0, 190, 255)  # BGR amber: the detector is sure, the classifier is not
PLATE = (24, 24, 24)
TEXT = (255, 255, 255)
FONT = cv2.FONT_HERSHEY_SIMPLEX
# Ranks shown after the name, because "Ursus" alone does not say it is a genus.
SHOW_RANK = frozenset({"subgenus", "genus", "subtribe", "tribe", "subfamily", "family", "superfamily", "infraorder", "suborder",
                       "order", "superorder", "infraclass", "subclass", "class", "superclass", "subphylum", "phylum", "division",
                       "subkingdom", "kingdom"})  # fmt: skip


@dataclass(frozen=True)
class OverlayItem:
    box: Box | None
    title: str
    detail: str | None
    known: bool


def _ascii(text: str) -> str:
    """Hershey fonts draw ASCII only; anything else would come out as '?'."""
    return text.encode("ascii", "replace").decode()


def prediction_item(prediction: Prediction) -> OverlayItem:
    taxon = prediction.taxon
    name = prediction.label
    if taxon.rank in SHOW_RANK and taxon.rank != "class":  # "unidentified bird" already says how far it got
        name += f" ({taxon.rank})"
    title = f"{name} {prediction.confidence:.0%}"
    scientific = prediction.scientific_name
    detail = scientific if scientific and scientific != taxon.display_name else None
    return OverlayItem(prediction.box, title, detail, known=True)


def overlay_items(result: Result) -> list[OverlayItem]:
    items = [prediction_item(p) for p in result.predictions]
    for detection in result.unidentified:
        score = f" {detection.score:.0%}" if detection.score is not None else ""
        items.append(OverlayItem(detection.box, f"unknown animal{score}", None, known=False))
    return items


def text_scale(height: int) -> tuple[float, int]:
    """Font scale and stroke width for an image of this height: ~2.6 % of the height, never below 13 px."""
    pixel_height = max(13.0, height * 0.026)
    scale = pixel_height / 22.0  # FONT_HERSHEY_SIMPLEX is ~22 px tall at scale 1
    return scale, max(1, round(scale * 1.6))


Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels


def draw_overlay(image: Pixels, items: list[OverlayItem]) -> Pixels:
    """A copy of ``image`` with every item drawn: all boxes first, then the label plates, placed so that no
    plate covers another (animals side by side at a feeder have overlapping boxes)."""
    out = image.copy()
    h, w = out.shape[:2]
    scale, stroke = text_scale(h)
    banner_y = 0
    boxed: list[tuple[OverlayItem, list[str], Rect]] = []
    for item in items:
        colour = KNOWN if item.known else UNKNOWN
        lines = [item.title] + ([item.detail] if item.detail else [])
        if item.box is None:  # a whole-frame answer: a banner in the top-left corner
            banner_y = _plate(out, lines, 0, banner_y, colour, scale, stroke) + 2
            continue
        box = item.box.to_pixels(w, h)
        cv2.rectangle(out, box[:2], box[2:], colour, max(2, stroke + 1), cv2.LINE_AA)
        boxed.append((item, lines, box))
    sizes = [_plate_size(lines, scale, stroke) for _, lines, _ in boxed]
    taken = [(0, 0, 0, banner_y)] if banner_y else []
    for (item, lines, _), (x, y) in zip(boxed, place_plates([box for _, _, box in boxed], sizes, (w, h), taken), strict=True):
        _plate(out, lines, x, y, KNOWN if item.known else UNKNOWN, scale, stroke)
    return out


def place_plates(boxes: Sequence[Rect], sizes: Sequence[tuple[int, int]], image_size: tuple[int, int],
                 taken: Sequence[Rect] = ()) -> list[tuple[int, int]]:  # fmt: skip
    """Top-left corners for each box's label plate, in order (the most confident first gets the best place).

    Each plate goes to the first of these spots that overlaps no plate placed before it: above its box,
    just inside its top, below it, inside its bottom; then further down or up, a plate's height at a time.
    Where every spot is taken (a crowd), the least covered one. Spots are kept inside the image.
    """
    width, height = image_size
    placed: list[Rect] = list(taken)
    corners: list[tuple[int, int]] = []
    for (x0, y0, _, y1), (plate_w, plate_h) in zip(boxes, sizes, strict=True):
        x = max(0, min(x0, width - plate_w))
        wanted = [y0 - plate_h, y0, y1, y1 - plate_h]
        steps = range(1, max(1, height // max(plate_h, 1)) + 1)
        wanted += [y for k in steps for y in (y0 + k * plate_h, y0 - plate_h - k * plate_h)]
        best: tuple[int, int] | None = None
        best_cover = -1
        for y in wanted:
            y = max(0, min(y, height - plate_h))
            rect = (x, y, x + plate_w, y + plate_h)
            cover = sum(_overlap(rect, other) for other in placed)
            if best is None or cover < best_cover:
                best, best_cover = (x, y), cover
            if cover == 0:
                break
        assert best is not None
        corners.append(best)
        placed.append((best[0], best[1], best[0] + plate_w, best[1] + plate_h))
    return corners


def _overlap(a: Rect, b: Rect) -> int:
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def _plate_size(lines: list[str], scale: float, stroke: int) -> tuple[int, int]:
    sizes = [cv2.getTextSize(_ascii(line), FONT, scale * (1 if i == 0 else 0.8), stroke)[0] for i, line in enumerate(lines)]
    pad = max(3, round(6 * scale))
    width = max(s[0] for s in sizes) + 2 * pad
    height = sum(s[1] for s in sizes) + pad * (len(lines) + 1) + 2 * stroke
    return width, height


def _plate(out: Pixels, lines: list[str], x: int, y: int, colour: tuple[int, int, int], scale: float, stroke: int) -> int:
    """Draw an opaque label plate with its top-left at (x, y), kept inside the image; return its bottom edge."""
    h, w = out.shape[:2]
    width, height = _plate_size(lines, scale, stroke)
    x = max(0, min(x, w - width))
    y = max(0, min(y, h - height))
    cv2.rectangle(out, (x, y), (x + width, y + height), PLATE, cv2.FILLED)
    cv2.rectangle(out, (x, y), (x + width, y + height), colour, max(1, stroke), cv2.LINE_AA)
    pad = max(3, round(6 * scale))
    cursor = y + pad
    for i, line in enumerate(lines):
        line_scale = scale * (1 if i == 0 else 0.8)
        (_, text_h), _ = cv2.getTextSize(_ascii(line), FONT, line_scale, stroke)
        cursor += text_h
        cv2.putText(out, _ascii(line), (x + pad, cursor), FONT, line_scale, TEXT, stroke, cv2.LINE_AA)
        cursor += pad
    return y + height
