"""One rule, one place: the watcher's config file and the MQTT settings made from it refuse the same values."""

from __future__ import annotations

from pathlib import Path

import pytest

from livespecies.errors import UserError
from livespecies.sightings.mqtt import AlertRule, MqttSettings
from livespecies.watch.config import load_config

CONFIG = 'snapshot_folder = "s"\n[database]\npath = "d.db"\n[[cameras]]\nname = "a"\nsource = "demo"\n'


def refused(action: object) -> bool:
    try:
        action()  # type: ignore[operator]
    except UserError:
        return True
    return False


@pytest.mark.parametrize(
    ("section", "key", "value", "setting"),
    [
        *(("mqtt", "topic_prefix", p, "topic_prefix") for p in ("livespecies", "site/a", "a-b_c/9", "x" * 64, "x" * 65, "/a", "a/",
                                                                "a//b", "a/#", "a+b", "$SYS", "my house", "café", "a.b", "")),
        *(("mqtt", "discovery_prefix", p, "discovery_prefix") for p in ("homeassistant", "ha/x", "", "ha/")),
        *(("mqtt", "host", h, "host") for h in ("broker.lan", "192.168.1.10", "::1", "", "mqtt://broker", "a b", "u:pw@broker")),
        *(("mqtt", "client_id", c, "client_id") for c in ("", "watcher-1", "x" * 128, "x" * 129, "a\nb")),
        *(("mqtt", "port", p, "port") for p in (1, 1883, 65535, 0, 65536)),
        *(("cameras.alerts", "min_rank", r, "min_rank") for r in ("genus", "class", "specie")),
        *(("cameras.alerts", "min_confidence", c, "min_confidence") for c in (0.0, 0.8, 1.0, 1.5, -0.1)),
        *(("cameras.alerts", "cooldown", c, "cooldown_seconds") for c in (0.0, 300.0, 86400.0, 86400.5, -1.0)),
    ],
)  # fmt: skip
def test_the_config_file_and_the_settings_it_makes_agree(tmp_path: Path, section: str, key: str, value: object, setting: str) -> None:
    path = tmp_path / "watch.toml"
    written = f'"{value}"'.replace("\n", "\\n") if isinstance(value, str) else str(value)
    path.write_text(f"{CONFIG}[{section}]\n{key} = {written}\n")
    by_file = refused(lambda: load_config(path))
    made = MqttSettings if section == "mqtt" else AlertRule
    by_settings = refused(lambda: made(**{setting: value}))  # type: ignore[arg-type]
    assert by_file == by_settings, (value, by_file, by_settings)


@pytest.mark.parametrize("value", [0.0, 1.5, -0.2])
def test_a_threshold_is_one_rule_for_the_config_the_contract_and_the_command_line(tmp_path: Path, value: float) -> None:
    """0 would claim everything (and failed only once the camera ran); above 1 claims nothing."""
    import argparse
    import json

    from livespecies.cli import _fraction
    from livespecies.errors import ModelError
    from livespecies.inference.contract import Application, ModelContract
    from tests.tiny_models import contract

    config = tmp_path / "watch.toml"
    config.write_text(f'snapshot_folder = "s"\n[database]\npath = "d.db"\n[[cameras]]\nname = "a"\nsource = "demo"\nthreshold = {value}\n')
    with pytest.raises(UserError, match=r"cameras\[0\]\.threshold"):
        load_config(config)
    with pytest.raises(argparse.ArgumentTypeError, match="is outside 0 < value <= 1"):
        _fraction(str(value))
    data = json.loads(contract(3, application=Application("detector-crops", 0.15, 0.5)).to_json())
    data["application"]["threshold"] = value
    with pytest.raises(ModelError, match=r"application\.threshold"):
        ModelContract.from_json(json.dumps(data), source="m.onnx")
    assert _fraction("1") == 1.0 and _fraction("0.05") == 0.05
