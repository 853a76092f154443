"""Drawing results onto frames with OpenCV: the live view and the annotated snapshots use the same code.

Labels are sized from the height of the image they are drawn on, with a floor,
and always sit on an opaque dark plate with a coloured edge, so they read on
snow, foliage or night-time infrared alike and at any window size (the GUI
draws on the frame after scaling it to the window, not before).
"""

from __future__ import annotations

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


def draw_overlay(image: Pixels, items: list[OverlayItem]) -> Pixels:
    """A copy of ``image`` with every item drawn: box, then its label plate."""
    out = image.copy()
    h, w = out.shape[:2]
    scale, stroke = text_scale(h)
    banner_y = 0
    for item in items:
        colour = KNOWN if item.known else UNKNOWN
        lines = [item.title] + ([item.detail] if item.detail else [])
        if item.box is None:  # a whole-frame answer: a banner in the top-left corner
            banner_y = _plate(out, lines, 0, banner_y, colour, scale, stroke) + 2
            continue
        x0, y0, x1, y1 = item.box.to_pixels(w, h)
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, max(2, stroke + 1), cv2.LINE_AA)
        plate_height = _plate_size(lines, scale, stroke)[1]
        top = y0 - plate_height if y0 - plate_height >= 0 else y0  # above the box, else just inside it
        _plate(out, lines, x0, top, colour, scale, stroke)
    return out


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
