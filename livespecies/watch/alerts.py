"""The watcher's MQTT sink, made from the config: settings, one alert rule per camera, the password from the environment."""

from __future__ import annotations

from collections.abc import Callable

from livespecies.sightings.mqtt import AlertRule, MqttSettings, MqttSink
from livespecies.watch.config import WatchConfig, secret


def mqtt_sink(config: WatchConfig, stats: Callable[[], object]) -> MqttSink:
    mqtt = config.mqtt
    assert mqtt is not None
    settings = MqttSettings(host=mqtt.host, port=mqtt.port, topic_prefix=mqtt.topic_prefix, client_id=mqtt.client_id,
                            username=mqtt.username, password=secret(mqtt.password_env, "The MQTT password"),
                            discovery=mqtt.discovery, discovery_prefix=mqtt.discovery_prefix)  # fmt: skip
    rules = {camera.name: AlertRule(frozenset(camera.alerts.species), camera.alerts.min_rank, camera.alerts.min_confidence,
                                    camera.alerts.cooldown) for camera in config.cameras}  # fmt: skip
    return MqttSink(settings, rules, stats)
