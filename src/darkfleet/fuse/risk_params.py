"""Risk rules and their weights: ``RiskParams`` and the ``[risk]`` config section (fuse).

Fuse layer: imports ``config``, ``errors`` and ``detect._prep``'s range check; never
``cli``. ``fuse.risk`` applies these rules; ``docs/risk.md`` gives each default's
reasoning and ``darkfleet config show`` prints the effective values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from darkfleet.config import build_section, describe_section
from darkfleet.detect._prep import check_non_negative
from darkfleet.errors import ConfigError

__all__ = [
    "MAX_SCORE",
    "RISK_RULES",
    "RiskParams",
    "RiskRule",
    "build_risk_params",
    "describe_risk_params",
]

MAX_SCORE: Final = 100.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskParams:
    """Rules and weights of the risk score (``[risk]`` in ``darkfleet.toml``).

    Points are out of 100. ``*_points`` is what one unit of evidence gives (one event,
    one dark hour for ``*_points_per_h``, a match strength of 1 for sanctions);
    ``*_max_points`` caps a rule. Defaults and their reasoning: ``docs/risk.md``.
    """

    sanctions_match_points: float = 60.0  # x the best match strength (0..1)
    sanctions_flag_mismatch_points: float = 10.0  # once: list flag != the MMSI's flag
    sanctioned_flag_points: float = 30.0  # once: the MMSI's MID is a sanctioned country's
    dark_sanctioned_points_per_h: float = 0.25  # a sanctioned country's port in reach
    dark_sanctioned_max_points: float = 40.0
    dark_sensitive_points_per_h: float = 0.05  # only other sensitive ports in reach
    dark_sensitive_max_points: float = 10.0
    dark_port_call_points: float = 10.0  # status "possible"
    dark_port_call_max_points: float = 30.0
    dark_port_call_confirmed_points: float = 25.0  # status "confirmed" (a sighting)
    dark_port_call_confirmed_max_points: float = 50.0
    sanctioned_port_visit_points: float = 20.0
    sanctioned_port_visit_max_points: float = 40.0
    sensitive_port_visit_points: float = 0.5
    sensitive_port_visit_max_points: float = 5.0
    sanctioned_encounter_points: float = 20.0
    sanctioned_encounter_max_points: float = 40.0
    shuttle_points: float = 20.0
    shuttle_max_points: float = 40.0
    spoofing_points: float = 10.0
    spoofing_max_points: float = 20.0
    identity_change_points: float = 5.0
    identity_change_max_points: float = 15.0
    invalid_identity_points: float = 10.0
    invalid_identity_max_points: float = 20.0
    identity_link_points: float = 10.0
    identity_link_max_points: float = 20.0
    loitering_points: float = 2.0
    loitering_max_points: float = 6.0
    #: ISO 3166-1 alpha-3 codes: flags and ports that count as sanctioned.
    sanctioned_countries: tuple[str, ...] = ("PRK",)
    #: Port groups (``reference.default_port_groups``) whose visits count as sensitive.
    sensitive_port_groups: tuple[str, ...] = ("RUS-FE",)

    def __post_init__(self) -> None:
        """Reject points outside 0..100 and country codes that are not alpha-3."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name.endswith(("_points", "_points_per_h")):
                check_non_negative("risk", f.name, value, "points", upper=MAX_SCORE)
        for name in ("sanctioned_countries", "sensitive_port_groups"):
            if not isinstance(getattr(self, name), tuple):
                raise ConfigError(
                    f"risk.{name} must be a list of text, got {getattr(self, name)!r}; "
                    'write e.g. ["PRK"]'
                )
        for code in self.sanctioned_countries:
            if not (isinstance(code, str) and len(code) == 3 and code.isalpha() and code.isupper()):
                raise ConfigError(
                    f"risk.sanctioned_countries: {code!r} is not an ISO 3166-1 alpha-3 code; "
                    'write e.g. ["PRK", "IRN"]'
                )
        for group in self.sensitive_port_groups:
            if not (isinstance(group, str) and group.strip()):
                raise ConfigError(
                    f"risk.sensitive_port_groups: {group!r} is not a group name; "
                    'write e.g. ["RUS-FE"]'
                )


@dataclass(frozen=True, slots=True)
class RiskRule:
    """One rule: its name, how units combine, its weight fields and how reasons read."""

    name: str
    points_field: str
    max_field: str | None  # None: a once-only rule (max of units), capped at its points
    noun: str  # what one unit of evidence is, as the reason's text names it
    is_hourly: bool = False


#: The rules, in the order reasons with equal points are listed.
RISK_RULES: Final[tuple[RiskRule, ...]] = (
    RiskRule("sanctions_match", "sanctions_match_points", None, "sanctions-list match"),
    RiskRule(
        "sanctions_flag_mismatch",
        "sanctions_flag_mismatch_points",
        None,
        "list flag differing from the MMSI's flag",
    ),
    RiskRule("sanctioned_flag", "sanctioned_flag_points", None, "flag of a sanctioned country"),
    RiskRule(
        "dark_port_call_confirmed",
        "dark_port_call_confirmed_points",
        "dark_port_call_confirmed_max_points",
        "confirmed dark port call",
    ),
    RiskRule(
        "dark_port_call",
        "dark_port_call_points",
        "dark_port_call_max_points",
        "possible dark port call",
    ),
    RiskRule(
        "dark_sanctioned",
        "dark_sanctioned_points_per_h",
        "dark_sanctioned_max_points",
        "gap with a port of a sanctioned country in reach",
        is_hourly=True,
    ),
    RiskRule(
        "dark_sensitive",
        "dark_sensitive_points_per_h",
        "dark_sensitive_max_points",
        "gap with sensitive ports in reach",
        is_hourly=True,
    ),
    RiskRule(
        "sanctioned_port_visit",
        "sanctioned_port_visit_points",
        "sanctioned_port_visit_max_points",
        "port visit in a sanctioned country",
    ),
    RiskRule(
        "sanctioned_encounter",
        "sanctioned_encounter_points",
        "sanctioned_encounter_max_points",
        "encounter with a sanctioned or sanctioned-flag vessel",
    ),
    RiskRule("shuttle", "shuttle_points", "shuttle_max_points", "shuttle pattern"),
    RiskRule("spoofing", "spoofing_points", "spoofing_max_points", "spoofing episode"),
    RiskRule(
        "identity_link",
        "identity_link_points",
        "identity_link_max_points",
        "identifier shared with another vessel",
    ),
    RiskRule(
        "invalid_identity",
        "invalid_identity_points",
        "invalid_identity_max_points",
        "invalid identifier",
    ),
    RiskRule(
        "identity_change", "identity_change_points", "identity_change_max_points", "identity change"
    ),
    RiskRule("loitering", "loitering_points", "loitering_max_points", "loitering episode"),
    RiskRule(
        "sensitive_port_visit",
        "sensitive_port_visit_points",
        "sensitive_port_visit_max_points",
        "port visit in a sensitive port group",
    ),
)


def build_risk_params(
    file_config: Mapping[str, Any] | None, *, where: str = "darkfleet.toml"
) -> RiskParams:
    """Build ``RiskParams`` from the ``[risk]`` section of a parsed config file.

    Raises
    ------
    ConfigError
        An unknown key (with a suggestion) or a value out of range, naming the file.

    Examples
    --------
    >>> build_risk_params({"risk": {"shuttle_points": 25}}).shuttle_points
    25.0
    """
    return build_section(RiskParams, file_config, "risk", where=where)


def describe_risk_params(
    file_config: Mapping[str, Any] | None, *, where: str = "darkfleet.toml"
) -> list[tuple[str, str, str]]:
    """Every risk parameter as ``(key, value, source)``; source is ``default`` or ``file``.

    Examples
    --------
    >>> dict((k, (v, src)) for k, v, src in describe_risk_params({"risk": {"shuttle_points": 25}}))["shuttle_points"]
    ('25.0', 'file')
    """
    return describe_section(RiskParams, file_config, "risk", where=where)
