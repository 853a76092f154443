"""The shipped models and defaults on real camera-trap frames (tests/data/camera-trap, MIT): no confident nonsense
on animals the models do not know, and the answers they do know kept.

Five frames were answered with a wrong family or order before the open-set rules (a white-tailed deer as
"Bovidae", a raccoon as "Canidae", a horse and a pig as "Carnivora", a bird as "unidentified mammal"); each test
also decides the frame with the rules off, so it fails if the frame stops showing the failure the rules fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from livespecies.capture.image_file import load_image
from livespecies.inference.decision import decide
from livespecies.inference.engine import Recognizer
from livespecies.types import Observation, Result
from training.evaluate_default import INFORMATIVE, Truth, grade, read_truth

FOLDER = Path(__file__).resolve().parents[1] / "data" / "camera-trap"
TRUTHS = {t.path: t for t in read_truth(FOLDER)}
RULES_OFF = {"min_evidence": 0.0, "coarse_evidence": 0.0, "gap_evidence": 0.0}
FIXED = {
    "photos/CT-CT04_09065_8-26-2019.JPG": ("order", "Artiodactyla"),  # white-tailed deer, once "Bovidae"
    "photos/CT-CT06_01813_8-23-2019.JPG": ("class", "Mammalia"),  # raccoon, once "Canidae"
    "photos/RUE-RUE01_00132_2-9-2019.JPG": ("class", "Mammalia"),  # horse at night, once "Carnivora"
    "photos/CNE-CONE05.4_00139_8-2-2019.JPG": None,  # feral pig at night, once "Carnivora"
    "photos/CNC-CONC65.5_02486_3-23-2019.JPG": None,  # a bird, once "unidentified mammal"
}
KEPT = {
    "photos/CNE-CONE05.35_00093_12-8-2018.JPG": "exact",  # wild boar: Sus scrofa
    "photos/CSC-CSC12_00737_7-19-2019.JPG": "exact",  # wild turkey
    "photos/BVS-BVS03_00043_5-21-2019.JPG": "genus",  # bobcat: ImageNet's lynx, the genus Lynx
    "photos/BEM-BVEM05_01437_6-20-2019.JPG": "family",  # cattle: Bovidae
    "photos/CT-CT06_00074_8-12-2019.JPG": "clear",  # a person: no animal claimed
    "photos/RUE-RUE05_03207_4-6-2019.JPG": "clear",  # an empty scene
}


@pytest.fixture(scope="module")
def observed(recognizer: Recognizer) -> dict[str, tuple[str, list[Observation], int, int]]:
    out = {}
    for path in TRUTHS:
        image = load_image(FOLDER / path)
        mode, observations = recognizer.observe(image.pixels)
        out[path] = (mode, observations, image.width, image.height)
    return out


def decided(recognizer: Recognizer, observed: tuple[str, list[Observation], int, int]) -> Result:
    mode, observations, width, height = observed
    return decide(observations, recognizer.taxonomy, recognizer.settings.decision, width, height, mode)


def top(result: Result) -> tuple[str, str] | None:
    return (result.predictions[0].taxon.rank, result.predictions[0].taxon.name) if result.predictions else None


@pytest.mark.parametrize("path", FIXED, ids=lambda p: p.split("/")[-1])
def test_animals_the_models_do_not_know_get_no_wrong_family(path: str, recognizer: Recognizer, observed) -> None:  # type: ignore[no-untyped-def]
    truth: Truth = TRUTHS[path]
    before = decided(recognizer.with_settings(**RULES_OFF), observed[path])
    assert grade(before, truth, recognizer.taxonomy) == "wrong", top(before)
    after = decided(recognizer, observed[path])
    assert top(after) == FIXED[path]
    assert grade(after, truth, recognizer.taxonomy) != "wrong"


@pytest.mark.parametrize("path", KEPT, ids=lambda p: p.split("/")[-1])
def test_what_the_models_do_know_is_still_said(path: str, recognizer: Recognizer, observed) -> None:  # type: ignore[no-untyped-def]
    outcome = grade(decided(recognizer, observed[path]), TRUTHS[path], recognizer.taxonomy)
    assert outcome == KEPT[path]
    assert outcome in (*INFORMATIVE, "clear")
