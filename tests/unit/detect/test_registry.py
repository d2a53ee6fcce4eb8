from __future__ import annotations

import inspect
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from darkfleet.detect import registry
from darkfleet.detect.registry import BUILTINS, DetectorSpec, load_detectors
from darkfleet.errors import ConfigError
from darkfleet.schema import EVENT_TYPES


def test_builtins_are_registered_under_their_event_type() -> None:
    for name, spec in BUILTINS.items():
        assert spec.name == name
        assert name in EVENT_TYPES
        assert spec.params_class().__class__ is spec.params_class  # defaults construct


def test_inputs_name_the_function_arguments_in_order() -> None:
    for spec in BUILTINS.values():
        parameters = [
            name
            for name, parameter in inspect.signature(spec.function).parameters.items()
            if parameter.kind is not inspect.Parameter.KEYWORD_ONLY  # gap's as_of
        ]
        assert len(parameters) == len(spec.inputs), spec.name
        assert parameters[spec.inputs.index("params")] == "params"


def test_load_detectors_includes_the_builtins() -> None:
    assert set(BUILTINS) == {
        "spoofing",
        "gap",
        "port_visit",
        "loitering",
        "encounter",
        "identity_change",
        "invalid_identity",
        "shuttle",
    }
    assert set(BUILTINS) <= set(load_detectors())


def _fake_entry_points(monkeypatch: pytest.MonkeyPatch, target: Any) -> None:
    entry = EntryPoint(name="plugin", value="plugin_pkg:SPEC", group=registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [entry])
    monkeypatch.setattr(EntryPoint, "load", lambda self: target)


def test_plugin_detector_is_added(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = DetectorSpec("sts_transfer", lambda params: None, dict, ("params",))  # type: ignore[arg-type,return-value]
    _fake_entry_points(monkeypatch, spec)
    assert load_detectors()["sts_transfer"] is spec


def test_plugin_that_is_not_a_spec_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_entry_points(monkeypatch, object())
    with pytest.raises(ConfigError, match="must be a darkfleet.detect.registry.DetectorSpec"):
        load_detectors()


def test_plugin_reusing_a_builtin_name_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_entry_points(monkeypatch, BUILTINS["shuttle"])
    with pytest.raises(ConfigError, match="clashes with an existing detector"):
        load_detectors()
