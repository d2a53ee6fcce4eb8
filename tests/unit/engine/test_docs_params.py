"""Every detector parameter is documented, with its true default in the reference table."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from darkfleet.config import describe_params
from darkfleet.engine.detect_config import DETECTOR_ORDER, PARAMS_CLASSES

DOCS = Path(__file__).resolve().parents[3] / "docs"
FIELDS = [
    (name, field.name)
    for name in DETECTOR_ORDER
    for field in dataclasses.fields(PARAMS_CLASSES[name])
]


def _section(text: str, name: str) -> str:
    match = re.search(rf"^## {name}\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert match is not None, f"docs/detectors.md has no '## {name}' section"
    return match.group(1)


@pytest.mark.parametrize(("detector", "key"), FIELDS)
def test_every_parameter_is_in_its_detectors_section(detector: str, key: str) -> None:
    assert f"`{key}`" in _section((DOCS / "detectors.md").read_text(), detector)


@pytest.mark.parametrize(("detector", "key"), FIELDS)
def test_every_parameter_is_in_the_configuration_table_with_its_default(
    detector: str, key: str
) -> None:
    text = (DOCS / "configuration.md").read_text()
    row = re.search(rf"^\| `\[detect\.{detector}\]` \| `{key}` \| [^|]+ \| `([^`]*)`", text, re.M)
    assert row is not None, f"docs/configuration.md lacks [detect.{detector}] {key}"
    default = describe_params(PARAMS_CLASSES[detector]())[key]
    if key != "port_groups":
        assert row.group(1) == default


def test_every_detector_is_documented_in_one_page() -> None:
    text = (DOCS / "detectors.md").read_text()
    for name in DETECTOR_ORDER:
        assert f"\n## {name}\n" in text
    assert not (DOCS / "detectors-motion.md").exists()
