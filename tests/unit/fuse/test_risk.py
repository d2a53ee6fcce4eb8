"""Risk score: each rule's points and evidence, bounds, determinism, monotonicity, config."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet import schema
from darkfleet.config import load_config_file
from darkfleet.errors import ConfigError
from darkfleet.fuse.identity import with_flag
from darkfleet.fuse.links import identity_links
from darkfleet.fuse.risk import FINDINGS, RISK_REASONS, risk_findings, score_findings
from darkfleet.fuse.risk_params import RISK_RULES, RiskParams, build_risk_params

T0 = datetime(2023, 9, 1, tzinfo=UTC)
MIDS = pl.DataFrame({"mid": [273, 445, 351], "iso3": ["RUS", "PRK", "PAN"]})
PORT_GROUPS = {"PRK-NAJIN": "PRK", "RUS-VOSTOCHNYY": "RUS-FE"}
SHIP, PARTNER, DPRK = 273_000_001, 273_000_002, 445_000_001
DOCS = Path(__file__).resolve().parents[3] / "docs"


def _event(
    event_id: str,
    kind: str,
    mmsi: int = SHIP,
    *,
    hours: int = 0,
    other: int | None = None,
    port: str | None = None,
    country: str | None = None,
    score: float | None = None,
    **details: object,
) -> dict[str, object]:
    return {
        "event_id": event_id,
        "type": kind,
        "mmsi": mmsi,
        "start_ts": T0 + timedelta(hours=hours),
        "end_ts": T0 + timedelta(hours=hours + 1),
        "other_mmsi": other,
        "port": port,
        "country": country,
        "score": score,
        "details": json.dumps(details, sort_keys=True),
    }


def _events(rows: list[dict[str, object]]) -> pl.DataFrame:
    if not rows:
        return schema.empty(schema.EVENTS)
    return schema.conform(pl.DataFrame(rows, infer_schema_length=None), schema.EVENTS)


def _flags(mmsis: list[int]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "mmsi": mmsis,
            "first_seen": [T0] * len(mmsis),
            "last_seen": [T0 + timedelta(days=1)] * len(mmsis),
            "first_file_id": ["f1"] * len(mmsis),
            "first_line_no": list(range(1, len(mmsis) + 1)),
            "last_file_id": ["f1"] * len(mmsis),
            "last_line_no": list(range(101, 101 + len(mmsis))),
        },
        schema_overrides={"first_seen": schema.UTC_US, "last_seen": schema.UTC_US},
    )
    return with_flag(frame, MIDS)


NO_LINKS = identity_links(schema.empty(schema.STATICS), MIDS)


def _score(
    rows: list[dict[str, object]],
    params: RiskParams | None = None,
    *,
    links: pl.DataFrame = NO_LINKS,
    vessels: list[int] | None = None,
) -> tuple[dict[int, float], pl.DataFrame]:
    params = params or RiskParams()
    findings = risk_findings(
        _events(rows),
        links,
        _flags(vessels or [SHIP]),
        params,
        mid_table=MIDS,
        port_groups=PORT_GROUPS,
    )
    scores, reasons = score_findings(findings, params)
    return dict(scores.select("mmsi", "score").iter_rows()), reasons


def _reason(reasons: pl.DataFrame, rule: str, mmsi: int = SHIP) -> dict[str, object]:
    found = reasons.filter((pl.col("mmsi") == mmsi) & (pl.col("rule") == rule))
    assert found.height == 1, (rule, reasons)
    return found.row(0, named=True)


def _gap(event_id: str, hours: float, *countries: str, at: int = 0) -> dict[str, object]:
    ports = [{"country": c, "name": f"{c} port", "port_id": f"{c}-X"} for c in countries]
    return _event(event_id, "gap", hours=at, gap_duration_h=hours, sensitive_ports_reachable=ports)


def _match(event_id: str, mmsi: int = SHIP, score: float = 1.0, flag: str | None = "RUS"):
    return _event(
        event_id,
        "sanctions_match",
        mmsi,
        score=score,
        list="demo",
        entry_id="x1",
        entry_name="LADY R",
        entry_flag=flag,
        matched_on="imo",
    )


def test_a_vessel_without_evidence_has_no_score() -> None:
    scores, reasons = _score([])
    assert scores == {}
    assert reasons.height == 0
    assert dict(reasons.schema) == dict(RISK_REASONS)


def test_sanctions_match_gives_its_points_times_the_best_strength() -> None:
    scores, reasons = _score([_match("m1", score=0.5), _match("m2", score=0.9)])
    reason = _reason(reasons, "sanctions_match")
    assert reason["points"] == 54.0  # 60 x 0.9, once however many matches
    assert reason["count"] == 2
    assert reason["event_ids"] == ["m1", "m2"]
    assert "demo: LADY R" in reason["text"]
    assert scores[SHIP] == 54.0


def test_list_flag_differing_from_the_mid_flag_adds_the_mismatch_points_once() -> None:
    scores, reasons = _score([_match("m1", flag="PAN"), _match("m2", flag="pan")])
    mismatch = _reason(reasons, "sanctions_flag_mismatch")
    assert mismatch["points"] == 10.0
    assert mismatch["event_ids"] == ["m1", "m2"]
    assert "listed PAN, MMSI flag RUS" in mismatch["text"]
    assert scores[SHIP] == 70.0
    # same flag, or no flag on the list: no mismatch
    _, reasons = _score(
        [_match("m1", flag="RUS"), _match("m2", flag=None), _match("m3", flag="ru")]
    )
    assert "sanctions_flag_mismatch" not in reasons["rule"].to_list()  # "ru" is alpha-2 RUS


def test_dark_hours_with_a_sanctioned_port_in_reach_give_points_per_hour_up_to_the_cap() -> None:
    _, reasons = _score([_gap("g1", 20.0, "PRK", "RUS"), _gap("g2", 12.0, "PRK", at=30)])
    reason = _reason(reasons, "dark_sanctioned")
    assert reason["points"] == 8.0  # 32 h x 0.25
    assert reason["units"] == 32.0
    assert reason["event_ids"] == ["g1", "g2"]
    assert reason["text"].startswith("2 x gap with a port of a sanctioned country in reach, 32.0")
    _, reasons = _score([_gap(f"g{i}", 100.0, "PRK", at=i * 200) for i in range(3)])
    assert _reason(reasons, "dark_sanctioned")["points"] == 40.0  # 75 capped at 40


def test_dark_hours_with_only_other_sensitive_ports_in_reach_count_less() -> None:
    _, reasons = _score([_gap("g1", 40.0, "RUS"), _gap("g2", 50.0, at=60)])
    reason = _reason(reasons, "dark_sensitive")
    assert reason["points"] == 2.0  # 40 h x 0.05; g2 reached no sensitive port
    assert reason["event_ids"] == ["g1"]
    assert "dark_sanctioned" not in reasons["rule"].to_list()


def test_dark_port_calls_score_by_status_once_per_gap() -> None:
    def call(
        event_id: str, gap: str, port: str, country: str, speed: float, **kw: object
    ) -> dict[str, object]:
        return _event(event_id, "dark_port_call", port=port, country=country,
                      gap_event_id=gap, required_speed_knots=speed, **kw)  # fmt: skip

    calls = [
        call("c1", "g1", "Najin", "PRK", 9.0, status="possible"),
        call("c4", "g1", "Vostochnyy", "RUS", 4.0, status="possible"),  # slower, not sanctioned
        call("c2", "g2", "Najin", "PRK", 7.0, hours=5, status="possible"),
        call("c3", "g3", "Najin", "PRK", 6.0, hours=9, status="confirmed"),
        call("c5", "g3", "Ch'ongjin", "PRK", 5.0, hours=9, status="possible"),  # g3 is confirmed
    ]
    scores, reasons = _score(calls)
    possible = _reason(reasons, "dark_port_call")
    assert possible["points"] == 20.0  # two gaps, not three possible calls
    assert possible["event_ids"] == ["c1", "c2"]  # each gap's sanctioned port first
    assert "2 x possible dark port call: Najin, Vostochnyy" in possible["text"]
    assert _reason(reasons, "dark_port_call_confirmed")["points"] == 25.0
    assert _reason(reasons, "dark_port_call_confirmed")["event_ids"] == ["c3"]
    assert scores[SHIP] == 45.0


@pytest.mark.parametrize(
    ("disputed", "rule"),
    [
        ((), "dark_port_call_confirmed"),
        (("s1",), "dark_port_call_confirmed"),  # s2 still confirms it
        (("s1", "s2", "s9"), "dark_port_call"),  # nothing undisputed confirms it
    ],
)
def test_a_confirmed_call_counts_as_possible_once_every_sighting_is_disputed(
    disputed: tuple[str, ...], rule: str
) -> None:
    call = _event("c1", "dark_port_call", port="Najin", country="PRK", status="confirmed",
                  sighting_ids=["s1", "s2"])  # fmt: skip
    bare = _event("c2", "dark_port_call", hours=5, port="Najin", status="confirmed")
    findings = risk_findings(
        _events([call, bare]), NO_LINKS, _flags([SHIP]), RiskParams(), mid_table=MIDS,
        port_groups=PORT_GROUPS, disputed_sightings=disputed,
    )  # fmt: skip
    by_event = dict(findings.select("event_id", "rule").iter_rows())
    assert by_event == {"c1": rule, "c2": "dark_port_call_confirmed"}


def test_port_visits_in_sanctioned_countries_and_sensitive_groups() -> None:
    visits = [
        _event("v1", "port_visit", port="Najin", country="PRK", port_id="PRK-NAJIN"),
        _event(
            "v2", "port_visit", hours=3, port="Vostochny", country="RUS", port_id="RUS-VOSTOCHNYY"
        ),
        _event("v3", "port_visit", hours=6, port="Busan", country="KOR", port_id="KOR-BUSAN"),
        _event("v4", "port_visit", DPRK, port="Najin", country="PRK", port_id="PRK-NAJIN"),
    ]
    scores, reasons = _score(visits, vessels=[SHIP, DPRK])
    assert _reason(reasons, "sanctioned_port_visit")["points"] == 20.0
    assert _reason(reasons, "sanctioned_port_visit")["event_ids"] == ["v1"]
    assert _reason(reasons, "sensitive_port_visit")["points"] == 0.5
    assert _reason(reasons, "sensitive_port_visit")["event_ids"] == ["v2"]
    # a DPRK-flagged ship calling at home scores for its flag, not for the visit
    assert reasons.filter(pl.col("mmsi") == DPRK)["rule"].to_list() == ["sanctioned_flag"]
    assert scores == {SHIP: 20.5, DPRK: 30.0}


def test_sanctioned_flag_points_at_the_reports_behind_the_flag() -> None:
    scores, reasons = _score([], vessels=[SHIP, DPRK])
    reason = _reason(reasons, "sanctioned_flag", DPRK)
    assert reason["points"] == 30.0
    assert reason["event_ids"] == []
    assert reason["periods"] == [
        {
            "mmsi": DPRK,
            "field": "flag",
            "value": "PRK",
            "first_seen": T0,
            "last_seen": T0 + timedelta(days=1),
            "first_file_id": "f1",
            "first_line_no": 2,
            "last_file_id": "f1",
            "last_line_no": 102,
        }
    ]
    assert scores == {DPRK: 30.0}


def test_encounters_with_dprk_flagged_or_listed_vessels_count_for_both_sides() -> None:
    rows = [
        _event("e1", "encounter", SHIP, other=DPRK),
        _event("e2", "encounter", PARTNER, hours=5, other=SHIP),
        _match("m1", PARTNER),
        _event("e3", "encounter", SHIP, hours=9, other=273_000_003),
    ]
    _, reasons = _score(rows, vessels=[SHIP, PARTNER])
    ship = _reason(reasons, "sanctioned_encounter", SHIP)
    assert ship["event_ids"] == ["e1", "e2"]  # e3's partner is neither listed nor DPRK
    assert ship["points"] == 40.0
    assert "445000001 (PRK)" in ship["text"]
    assert "273000002 (listed)" in ship["text"]
    # the listed partner met SHIP, which is neither listed nor DPRK-flagged
    assert "sanctioned_encounter" not in reasons.filter(pl.col("mmsi") == PARTNER)["rule"]


@pytest.mark.parametrize(
    ("kind", "rule", "each", "cap"),
    [
        ("shuttle", "shuttle", 20.0, 40.0),
        ("spoofing", "spoofing", 10.0, 20.0),
        ("identity_change", "identity_change", 5.0, 15.0),
        ("invalid_identity", "invalid_identity", 10.0, 20.0),
        ("loitering", "loitering", 2.0, 6.0),
    ],
)
def test_counted_event_rules_give_points_per_event_up_to_their_cap(
    kind: str, rule: str, each: float, cap: float
) -> None:
    _, reasons = _score([_event("x1", kind, rule="r", field="name")])
    assert _reason(reasons, rule)["points"] == each
    many = [_event(f"x{i}", kind, hours=i, rule="r", field="name") for i in range(10)]
    _, reasons = _score(many)
    reason = _reason(reasons, rule)
    assert reason["points"] == cap
    assert reason["count"] == 10
    assert reason["event_ids"] == [f"x{i}" for i in range(10)]


def test_identity_links_score_reflags_and_clones_with_both_periods_as_evidence() -> None:
    statics = schema.conform(
        pl.DataFrame(
            {
                "mmsi": [SHIP, SHIP, 351_000_001],
                "ts": [T0, T0 + timedelta(hours=1), T0 + timedelta(days=3)],
                "imo": [9_161_003, 9_161_003, 9_161_003],
                "file_id": ["f1", "f1", "f2"],
                "line_no": [5, 6, 7],
            }
        ),
        schema.STATICS,
    )
    links = identity_links(statics, MIDS)
    assert links["kind"].to_list() == ["reflag"]
    scores, reasons = _score([], links=links, vessels=[SHIP, 351_000_001])
    for mmsi in (SHIP, 351_000_001):
        reason = _reason(reasons, "identity_link", mmsi)
        assert reason["points"] == 10.0
        assert reason["count"] == 1
        assert [(p["mmsi"], p["first_line_no"], p["last_line_no"]) for p in reason["periods"]] == [
            (SHIP, 5, 6),
            (351_000_001, 7, 7),
        ]
        assert "imo_shared 9161003 (reflag)" in reason["text"]
    assert scores == {SHIP: 10.0, 351_000_001: 10.0}


def test_sequential_links_and_shared_names_give_no_points() -> None:
    statics = schema.conform(
        pl.DataFrame(
            {
                "mmsi": [SHIP, PARTNER, 351_000_001, 351_000_002],
                "ts": [T0, T0 + timedelta(days=2), T0, T0],
                "imo": [9_161_003, 9_161_003, 9_179_842, 9_181_663],
                "name": [None, None, "MARIA", "MARIA"],
            }
        ),
        schema.STATICS,
    )
    links = identity_links(statics, MIDS)
    assert sorted(links["link"].to_list()) == ["imo_shared", "name_shared"]
    assert _score([], links=links, vessels=[SHIP])[0] == {}


def test_the_score_is_capped_at_100_and_reasons_are_ordered_by_points() -> None:
    rows = [_match("m1", flag="PAN")]
    rows += [_gap(f"g{i}", 100.0, "PRK", at=i * 200) for i in range(3)]
    rows += [_event(f"s{i}", "shuttle", hours=i) for i in range(3)]
    scores, reasons = _score(rows)
    assert scores[SHIP] == 100.0  # 60 + 10 + 40 + 40 = 150, capped
    mine = reasons.filter(pl.col("mmsi") == SHIP)
    assert mine["rule"].to_list() == [
        "sanctions_match",
        "dark_sanctioned",
        "shuttle",
        "sanctions_flag_mismatch",
    ]


def test_weights_come_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "darkfleet.toml"
    path.write_text('[risk]\nshuttle_points = 7.5\nsanctioned_countries = ["PRK", "IRN"]\n')
    params = build_risk_params(load_config_file(path), where=str(path))
    assert params.shuttle_points == 7.5
    assert params.sanctioned_countries == ("PRK", "IRN")
    _, reasons = _score([_event("s1", "shuttle")], params)
    assert _reason(reasons, "shuttle")["points"] == 7.5
    zero = RiskParams(shuttle_points=0.0)
    assert _score([_event("s1", "shuttle")], zero)[0] == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[risk]\nshuttle_points = -1\n", r"risk.shuttle_points must be >= 0 and <= 100.0 points"),
        ("[risk]\nshuttle_points = 101\n", r"<= 100.0 points, got 101"),
        (
            "[risk]\nshutle_points = 1\n",
            r"unknown key 'shutle_points'; did you mean 'shuttle_points'",
        ),
        ('[risk]\nshuttle_points = "high"\n', r"risk.*shuttle_points: 'high' is not a number"),
        ('[risk]\nsanctioned_countries = ["KP"]\n', r"'KP' is not an ISO 3166-1 alpha-3 code"),
        ('[risk]\nsanctioned_countries = "PRK"\n', r"sanctioned_countries must be a list"),
        ("risk = 3\n", r"'risk' must be a table"),
    ],
)
def test_bad_risk_config_values_name_the_key_the_file_and_the_fix(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        build_risk_params(load_config_file(path), where=str(path))
    assert str(path) in str(info.value)


def test_every_risk_parameter_is_documented() -> None:
    risk_md = (DOCS / "risk.md").read_text()
    config_md = (DOCS / "configuration.md").read_text()
    for name in RiskParams.__dataclass_fields__:
        assert f"`{name}`" in risk_md, name
        assert f"`{name}`" in config_md, name
    for rule in RISK_RULES:
        assert f"`{rule.name}`" in risk_md, rule.name


# --- properties ---------------------------------------------------------------------

_EVIDENCE = st.one_of(
    st.builds(lambda h, c: ("gap", h, c), st.floats(0, 200), st.sampled_from(["PRK", "RUS", ""])),
    st.builds(lambda s: ("sanctions_match", s, ""), st.floats(0, 1)),
    st.sampled_from(
        [
            ("shuttle", 0.0, ""),
            ("spoofing", 0.0, ""),
            ("encounter", 0.0, ""),
            ("port_visit", 0.0, "PRK"),
            ("dark_port_call", 0.0, "possible"),
            ("identity_change", 0.0, ""),
        ]
    ),
)


def _rows(evidence: list[tuple[str, float, str]], prefix: str) -> list[dict[str, object]]:
    rows = []
    for i, (kind, value, extra) in enumerate(evidence):
        event_id = f"{prefix}{i}"
        if kind == "gap":
            rows.append(_gap(event_id, value, *([extra] if extra else []), at=i))
        elif kind == "sanctions_match":
            rows.append(_match(event_id, score=value))
        elif kind == "encounter":
            rows.append(_event(event_id, "encounter", hours=i, other=DPRK))
        elif kind == "port_visit":
            rows.append(_event(event_id, "port_visit", hours=i, port="Najin", country=extra))
        elif kind == "dark_port_call":
            rows.append(_event(event_id, kind, hours=i, port="Najin", status=extra))
        else:
            rows.append(_event(event_id, kind, hours=i))
    return rows


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(_EVIDENCE, max_size=8),
    extra=st.lists(_EVIDENCE, min_size=1, max_size=4),
    seed=st.randoms(use_true_random=False),
)
def test_adding_evidence_never_lowers_the_score_and_the_score_stays_in_0_100(
    base: list[tuple[str, float, str]], extra: list[tuple[str, float, str]], seed: object
) -> None:
    before_rows = _rows(base, "b")
    after_rows = before_rows + _rows(extra, "x")
    before, reasons = _score(before_rows)
    after, _ = _score(after_rows)
    assert after.get(SHIP, 0.0) >= before.get(SHIP, 0.0)
    assert 0.0 <= after.get(SHIP, 0.0) <= 100.0
    # the score is the capped sum of the reasons' points
    mine = reasons.filter(pl.col("mmsi") == SHIP)
    assert before.get(SHIP, 0.0) == pytest.approx(min(100.0, mine["points"].sum()))
    # the same evidence in another order gives the same score and reasons
    shuffled = list(after_rows)
    seed.shuffle(shuffled)  # type: ignore[attr-defined]
    again, again_reasons = _score(shuffled)
    assert again == after
    assert again_reasons.equals(_score(after_rows)[1])


def test_findings_have_the_findings_schema() -> None:
    findings = risk_findings(
        _events([_gap("g1", 5.0, "PRK")]),
        NO_LINKS,
        _flags([SHIP]),
        RiskParams(),
        mid_table=MIDS,
        port_groups=PORT_GROUPS,
    )
    assert dict(findings.schema) == dict(FINDINGS)
    assert findings.select("mmsi", "rule", "units", "event_id").rows() == [
        (SHIP, "dark_sanctioned", 5.0, "g1")
    ]
