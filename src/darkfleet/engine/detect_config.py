"""Detection configuration: one parameter object per detector, and which detectors run.

Engine layer: imports ``config``, ``detect`` and ``errors``; never ``cli``. The
``[detect.<name>]`` sections of ``darkfleet.toml`` and the command line's ``--set
NAME.KEY=VALUE`` overrides become one frozen parameter dataclass per detector through
``config.build_params``. Unknown sections, detectors or keys raise ``ConfigError`` with a
did-you-mean suggestion.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from darkfleet.config import build_params, describe_params
from darkfleet.detect.registry import BUILTINS
from darkfleet.errors import ConfigError
from darkfleet.fuse.darklegs import DarkPortCallParams

__all__ = [
    "DETECTOR_ORDER",
    "PARAMS_CLASSES",
    "ConfigValue",
    "DetectConfig",
    "build_detect_config",
    "describe_detect_config",
    "params_json",
    "parse_overrides",
]

#: The order detectors run in. Spoofing first: positions it assigns to a second track
#: are kept out of every other detector's input. Then dark-leg reasoning over the gaps
#: (``fuse.darklegs``), and shuttle last, over port visits and dark port calls.
DETECTOR_ORDER: Final[tuple[str, ...]] = (
    "spoofing",
    "gap",
    "port_visit",
    "loitering",
    "encounter",
    "identity_change",
    "invalid_identity",
    "dark_port_call",
    "shuttle",
)

#: The parameter class of each step: the registry's detectors plus dark-leg reasoning,
#: which lives in ``fuse`` (the detect registry may not import it).
PARAMS_CLASSES: Final[dict[str, type]] = {
    **{name: spec.params_class for name, spec in BUILTINS.items()},
    "dark_port_call": DarkPortCallParams,
}

#: Top-level TOML sections darkfleet reads.
KNOWN_SECTIONS: Final[tuple[str, ...]] = ("detect", "risk", "sanctions")

#: Positions (and static reports) one per-vessel chunk holds at most (one vessel's
#: history is never split); windows read the same vessel ranges one at a time. It sets
#: the peak memory: measured (docs/benchmarks.md, "Detection: the engine on a large
#: store"), 2M gives a peak of about 1 GB on 20M positions and 1.2 GB on 50M.
DEFAULT_CHUNK_POSITIONS: Final = 2_000_000


def _suggest(name: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DetectConfig:
    """What ``run_detection`` runs, and with which parameters.

    Attributes
    ----------
    params : one parameter instance per detector of ``DETECTOR_ORDER`` (keyed by name).
    enabled : the detectors whose events are (re)computed and written, in run order.
        Track splitting (spoofing's second return value) always runs, with
        ``params["spoofing"]``, because every other detector's input depends on it.
    chunk_positions : most positions one per-vessel chunk reads (bounds memory).
    """

    params: Mapping[str, object] = field(
        default_factory=lambda: {name: PARAMS_CLASSES[name]() for name in DETECTOR_ORDER}
    )
    enabled: tuple[str, ...] = DETECTOR_ORDER
    chunk_positions: int = DEFAULT_CHUNK_POSITIONS

    def __post_init__(self) -> None:
        """Check that every detector has parameters of its class and names are known."""
        for name in DETECTOR_ORDER:
            value = self.params.get(name)
            if not isinstance(value, PARAMS_CLASSES[name]):
                raise ConfigError(
                    f"DetectConfig.params[{name!r}] must be a "
                    f"{PARAMS_CLASSES[name].__name__}, got {type(value).__name__}"
                )
        for name in self.enabled:
            if name not in DETECTOR_ORDER:
                raise ConfigError(
                    f"unknown detector {name!r}{_suggest(name, DETECTOR_ORDER)} "
                    f"(known: {', '.join(DETECTOR_ORDER)})"
                )
        ordered = tuple(name for name in DETECTOR_ORDER if name in self.enabled)
        object.__setattr__(self, "enabled", ordered)
        if self.chunk_positions < 1:
            raise ConfigError(f"chunk_positions must be >= 1 position, got {self.chunk_positions}")


def _detect_sections(file_config: Mapping[str, Any] | None, where: str) -> Mapping[str, Any]:
    if not file_config:
        return {}
    for key in file_config:
        if key not in KNOWN_SECTIONS:
            raise ConfigError(
                f"{where}: unknown section [{key}]{_suggest(key, KNOWN_SECTIONS)} "
                f"(known: {', '.join(KNOWN_SECTIONS)})"
            )
    detect = file_config.get("detect", {})
    if not isinstance(detect, Mapping):
        raise ConfigError(f"{where}: 'detect' must be a table of [detect.<name>] sections")
    for name, section in detect.items():
        if name not in DETECTOR_ORDER:
            raise ConfigError(
                f"{where}: unknown section [detect.{name}]{_suggest(name, DETECTOR_ORDER)} "
                f"(known: {', '.join(DETECTOR_ORDER)})"
            )
        if not isinstance(section, Mapping):
            raise ConfigError(f"{where}: [detect.{name}] must be a table of key = value lines")
    return detect


def parse_overrides(
    assignments: Sequence[str], *, where: str = "--set"
) -> dict[str, dict[str, Any]]:
    """Parse ``NAME.KEY=VALUE`` assignments (TOML values; bare text is taken as text).

    Examples
    --------
    >>> parse_overrides(["gap.min_gap=8h", "encounter.max_distance_m=300"])
    {'gap': {'min_gap': '8h'}, 'encounter': {'max_distance_m': 300}}
    """
    out: dict[str, dict[str, Any]] = {}
    for text in assignments:
        name_key, sep, raw = text.partition("=")
        name, dot, key = name_key.strip().partition(".")
        if not sep or not dot or not key:
            raise ConfigError(
                f"{where} {text!r}: write DETECTOR.KEY=VALUE, e.g. --set gap.min_gap=8h"
            )
        if name not in DETECTOR_ORDER:
            raise ConfigError(
                f"{where} {text!r}: unknown detector {name!r}{_suggest(name, DETECTOR_ORDER)}"
            )
        try:
            value = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw.strip()
        out.setdefault(name, {})[key.strip()] = value
    return out


def build_detect_config(
    file_config: Mapping[str, Any] | None = None,
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    only: Sequence[str] | None = None,
    where: str = "darkfleet.toml",
    chunk_positions: int = DEFAULT_CHUNK_POSITIONS,
) -> DetectConfig:
    """Build a ``DetectConfig`` from a parsed config file and command-line overrides.

    Parameters
    ----------
    file_config
        The whole parsed TOML file (``config.load_config_file``) or ``None``.
    overrides
        ``{detector: {key: value}}`` from the command line (``parse_overrides``); they win.
    only
        Detectors to run (event types); ``None``: all of ``DETECTOR_ORDER``.
    where
        Names the config file in messages.
    chunk_positions
        Most positions one per-vessel chunk reads.

    Raises
    ------
    ConfigError
        Unknown section, detector or key (with a suggestion), or a value out of range.

    Examples
    --------
    >>> config = build_detect_config({"detect": {"gap": {"min_gap": "8h"}}}, only=["gap"])
    >>> config.params["gap"].min_gap, config.enabled
    (datetime.timedelta(seconds=28800), ('gap',))
    """
    sections = _detect_sections(file_config, where)
    params: dict[str, object] = {
        name: build_params(
            PARAMS_CLASSES[name],
            sections.get(name),
            (overrides or {}).get(name),
            where=f"detect.{name} ({where})",
        )
        for name in DETECTOR_ORDER
    }
    for name in overrides or {}:
        if name not in DETECTOR_ORDER:
            raise ConfigError(f"unknown detector {name!r}{_suggest(name, DETECTOR_ORDER)}")
    enabled = DETECTOR_ORDER if only is None else tuple(only)
    if not enabled:
        raise ConfigError("--only names no detector; give e.g. --only gap,encounter")
    return DetectConfig(params=params, enabled=enabled, chunk_positions=chunk_positions)


@dataclass(frozen=True, slots=True)
class ConfigValue:
    """One effective parameter: detector, key, value as text, and where it came from."""

    detector: str
    key: str
    value: str
    source: str  # "default", "file" or "flag"


def describe_detect_config(
    file_config: Mapping[str, Any] | None = None,
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    where: str = "darkfleet.toml",
) -> list[ConfigValue]:
    """Return every effective detector parameter with its source, in run order.

    Examples
    --------
    >>> rows = describe_detect_config({"detect": {"gap": {"min_gap": "8h"}}})
    >>> [(r.key, r.value, r.source) for r in rows if r.detector == "gap"][:2]
    [('min_gap', '8h', 'file'), ('activity_window', '12h', 'default')]
    """
    config = build_detect_config(file_config, overrides=overrides, where=where)
    sections = _detect_sections(file_config, where)
    rows: list[ConfigValue] = []
    for name in DETECTOR_ORDER:
        in_file = sections.get(name, {})
        in_flags = (overrides or {}).get(name, {})
        for key, text in describe_params(config.params[name]).items():
            source = "flag" if key in in_flags else "file" if key in in_file else "default"
            rows.append(ConfigValue(name, key, text, source))
    return rows


def _json_value(value: Any) -> Any:
    if isinstance(value, timedelta):
        return describe_params_value(value)
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in sorted(value.items())}
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(_json_value(v) for v in value)
    return value


def describe_params_value(value: timedelta) -> str:
    """A duration as the config file writes it (``6h``, ``30m``, ``90d``, ``45s``)."""
    seconds = value.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def params_json(params: object) -> dict[str, Any]:
    """A parameter dataclass as JSON, durations written as in the config file.

    Examples
    --------
    >>> from darkfleet.detect.gaps import GapParams
    >>> params_json(GapParams())["min_gap"]
    '6h'
    """
    if not dataclasses.is_dataclass(params) or isinstance(params, type):
        raise TypeError(f"params must be a dataclass instance, got {type(params).__name__}")
    return {f.name: _json_value(getattr(params, f.name)) for f in dataclasses.fields(params)}
