"""Smoke run of the benchmark code in ``benchmarks/`` (not collected itself), kept fast.

The corpus generator is checked against pyais, the reference decoder: every message
decodes, checksums of tag blocks and sentences are valid, and decoded values equal the
values the generator meant to write.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import sys
from collections import Counter
from datetime import datetime
from functools import reduce
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from pyais import NMEAMessage
from pyais.stream import FileReaderStream

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
LINE_RE = re.compile(
    r"^\\(?P<tag>[^*]*)\*(?P<tag_cs>[0-9A-F]{2})\\(?P<sentence>!(?P<body>[^*]*)\*(?P<cs>[0-9A-F]{2}))$"
)


def _load(name: str) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # bench_detect imports bench_decode by name
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}_under_test", BENCHMARKS / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus_mod() -> ModuleType:
    return _load("corpus")


@pytest.fixture(scope="module")
def decode_mod() -> ModuleType:
    return _load("bench_decode")


@pytest.fixture(scope="module")
def small_corpus(corpus_mod: ModuleType) -> tuple[bytes, dict[str, np.ndarray]]:
    corpus = corpus_mod.Corpus(2000, seed=3)
    (data, truth), *rest = list(corpus.chunks(with_truth=True))
    assert rest == []
    return data, truth


def _xor(text: str) -> str:
    return f"{reduce(lambda acc, ch: acc ^ ord(ch), text, 0):02X}"


def test_corpus_has_the_spec_mix_of_lines(
    small_corpus: tuple[bytes, dict[str, np.ndarray]],
) -> None:
    data, truth = small_corpus
    lines = data.decode().splitlines()
    assert len(lines) == 2000
    types = Counter(truth["msg_type"].tolist())
    # Shares of lines: 68% type 1, 10% type 5 (two lines each), 2/6/2/8/2+2% the rest.
    assert types == {1: 1360, 5: 100, 2: 40, 3: 120, 4: 40, 18: 160, 24: 80}
    assert len(truth["msg_type"]) == 1900


def test_corpus_checksums_and_tag_blocks_are_valid(
    small_corpus: tuple[bytes, dict[str, np.ndarray]],
) -> None:
    data, _ = small_corpus
    lines = data.decode().splitlines()
    groups = []
    for line in lines:
        match = LINE_RE.match(line)
        assert match, line
        assert _xor(match["tag"]) == match["tag_cs"], line
        assert _xor(match["body"]) == match["cs"], line
        fields = dict(item.split(":", 1) for item in match["tag"].split(","))
        assert fields["s"].startswith("r")
        assert len(fields["c"]) == 10
        if "g" in fields:
            groups.append(fields["g"])
    # Multi-sentence messages come as g:1-2-ID then g:2-2-ID with the same ID.
    assert len(groups) == 200
    assert all(
        a.startswith("1-2-") and b == "2-" + a[2:]
        for a, b in zip(groups[::2], groups[1::2], strict=True)
    )


def test_corpus_decodes_with_pyais_to_the_generated_values(
    tmp_path: Path, small_corpus: tuple[bytes, dict[str, np.ndarray]]
) -> None:
    data, truth = small_corpus
    path = tmp_path / "c.nmea"
    path.write_bytes(data)
    decoded = []
    with FileReaderStream(str(path)) as stream:
        for message in stream:
            assert isinstance(message, NMEAMessage)
            assert message.is_valid
            decoded.append(message.decode())
    assert len(decoded) == len(truth["mmsi"])
    assert [d.msg_type for d in decoded] == truth["msg_type"].tolist()
    assert [d.mmsi for d in decoded] == truth["mmsi"].tolist()
    for d, lat, lon, sog in zip(
        decoded, truth["lat"], truth["lon"], truth["sog_knots"], strict=True
    ):
        if d.msg_type in (1, 2, 3, 18):
            if math.isnan(lat):  # the "not available" sentinels
                assert (d.lat, d.lon) == (91.0, 181.0)
            else:
                assert d.lat == pytest.approx(lat, abs=1e-6)
                assert d.lon == pytest.approx(lon, abs=1e-6)
            assert d.speed == (102.3 if math.isnan(sog) else pytest.approx(sog))
    statics = [d for d in decoded if d.msg_type == 5]
    imo_digits = [[int(c) for c in f"{d.imo:07d}"] for d in statics]
    assert all(
        sum(a * w for a, w in zip(ds[:6], range(7, 1, -1), strict=True)) % 10 == ds[6]
        for ds in imo_digits
    )
    assert all(d.shipname and "@" not in d.shipname for d in statics)


def test_corpus_times_increase_over_one_day(
    corpus_mod: ModuleType, small_corpus: tuple[bytes, dict[str, np.ndarray]]
) -> None:
    _, truth = small_corpus
    epoch = truth["epoch_s"]
    start = int(corpus_mod.DEFAULT_START.timestamp())
    assert np.all(np.diff(epoch) >= 0)
    assert epoch[0] == start
    assert start + 86_000 < epoch[-1] < start + 86_400


def test_corpus_is_deterministic_per_seed(corpus_mod: ModuleType) -> None:
    first = corpus_mod.Corpus(300, seed=11).to_bytes()
    assert first == corpus_mod.Corpus(300, seed=11).to_bytes()
    assert first != corpus_mod.Corpus(300, seed=12).to_bytes()


@pytest.mark.parametrize(
    ("fmt", "pattern"),
    [
        ("none", r"^!AIVDM,[12],[12],\d?,[AB],[0-9:;<=>?@A-W`a-w]+,[0-5]\*[0-9A-F]{2}$"),
        ("uscg", r"^!AIVDM,.*\*[0-9A-F]{2},r\d{9},\d{10}$"),
    ],
)
def test_corpus_formats_without_tag_blocks(corpus_mod: ModuleType, fmt: str, pattern: str) -> None:
    lines = corpus_mod.Corpus(200, seed=1, fmt=fmt).to_bytes().decode().splitlines()
    assert len(lines) == 200
    assert all(re.match(pattern, line) for line in lines), [
        line for line in lines if not re.match(pattern, line)
    ][:3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lines": 5}, "--lines must be >= 10"),
        ({"lines": 100, "fmt": "csv"}, "--format must be one of"),
        ({"lines": 100, "start": datetime(2024, 3, 1)}, "UTC offset"),
    ],
)
def test_corpus_rejects_bad_settings(
    corpus_mod: ModuleType, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        corpus_mod.Corpus(**kwargs)


def test_corpus_cli_writes_the_file_and_rejects_naive_start(
    corpus_mod: ModuleType, tmp_path: Path
) -> None:
    out = tmp_path / "sub" / "c.nmea"
    assert corpus_mod.main(["--lines", "100", "--seed", "2", "--out", str(out)]) == 0
    assert out.read_bytes() == corpus_mod.Corpus(100, seed=2).to_bytes()
    with pytest.raises(SystemExit) as exit_info:
        corpus_mod.main(["--lines", "100", "--out", str(out), "--start", "2024-03-01T00:00"])
    assert exit_info.value.code == 2


def test_sample_never_splits_a_two_part_message(
    decode_mod: ModuleType, corpus_mod: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "c.nmea"
    path.write_bytes(corpus_mod.Corpus(500, seed=3).to_bytes())
    assert decode_mod.count_messages(path) == (500, 475)
    for n in range(1, 60):
        sample = decode_mod.write_sample(path, n, tmp_path)
        lines = sample.read_bytes().splitlines()
        assert len(lines) in (n, n + 1)
        assert b"!AIVDM,2,1," not in lines[-1]


def test_bench_decode_runs_floor_and_pyais(
    decode_mod: ModuleType,
    corpus_mod: ModuleType,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "c.nmea"
    path.write_bytes(corpus_mod.Corpus(400, seed=3).to_bytes())
    out = tmp_path / "r.json"
    assert (
        decode_mod.main(
            [
                "--corpus",
                str(path),
                "--only",
                "floor-numpy,pyais",
                "--sample",
                "pyais=100",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    results = {r["tool"]: r for r in json.loads(out.read_text())["results"]}
    assert results["floor-numpy"]["messages"] == 400
    assert results["pyais"]["sample_lines"] == 100
    sample_messages = decode_mod.count_messages(decode_mod.write_sample(path, 100, tmp_path))[1]
    assert 90 <= sample_messages < 100
    assert results["pyais"]["messages"] == sample_messages
    assert all(r["peak_rss_mb"] > 5 and r["seconds"] > 0 for r in results.values())
    table = capsys.readouterr().out
    assert f"| pyais | {sample_messages} |" in table
    assert "sample: first 100 lines" in table


def test_bench_decode_rejects_unknown_tools(decode_mod: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        decode_mod.main(["--corpus", str(tmp_path / "missing.nmea"), "--only", "gpsd"])
    with pytest.raises(SystemExit):
        decode_mod.main(["--corpus", str(tmp_path / "missing.nmea"), "--only", "pyais"])


def test_darkfleet_decode_worker_reports_availability(
    decode_mod: ModuleType, corpus_mod: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "c.nmea"
    path.write_bytes(corpus_mod.Corpus(200, seed=3).to_bytes())
    result = decode_mod._worker_darkfleet(path)
    assert "error" not in result
    assert result["messages"] == 190  # every message of the 200-line corpus, two-part joined


def test_bench_decode_reports_cpu_seconds_and_rates(
    decode_mod: ModuleType, corpus_mod: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "c.nmea"
    path.write_bytes(corpus_mod.Corpus(200, seed=3).to_bytes())
    result = decode_mod.run_tool("floor-python", path, sys.executable, 60)
    assert 0 < result["cpu_seconds"] < 60
    pyais = {"tool": "pyais", "messages": 100, "seconds": 2.0, "cpu_seconds": 1.0}
    ours = {"tool": "darkfleet", "messages": 100, "seconds": 0.5, "cpu_seconds": 0.1}
    table = decode_mod.markdown_table([pyais, ours], 100)
    # seconds, CPU s, msg/s, msg per CPU s, x pyais (wall), x pyais per CPU second
    assert "| darkfleet | 100 | 0.50 | 0.10 | 200 | 1,000 | 4.00 | 10.00 |" in table


def test_bench_ingest_stages_times_every_stage(
    corpus_mod: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stages_mod = _load("bench_ingest_stages")
    path = tmp_path / "c.nmea"
    path.write_bytes(corpus_mod.Corpus(400, seed=3).to_bytes())
    out = tmp_path / "stages.json"
    assert stages_mod.main(["--corpus", str(path), "--runs", "2", "--json", str(out)]) == 0
    runs = json.loads(out.read_text())
    assert len(runs) == 2
    assert {run["messages"] for run in runs} == {380}  # 400 lines, 20 two-part messages
    assert all(set(run["cpu_seconds"]) == set(stages_mod.STAGES) for run in runs)
    assert all(run["cpu_seconds"]["imports"] > 0 for run in runs)
    table = capsys.readouterr().out
    assert all(f"| {stage} | " in table for stage in stages_mod.STAGES)
    assert "| total | " in table


def test_bench_ingest_stages_rejects_a_missing_corpus(tmp_path: Path) -> None:
    stages_mod = _load("bench_ingest_stages")
    with pytest.raises(SystemExit):
        stages_mod.main(["--corpus", str(tmp_path / "missing.nmea")])


def test_bench_detect_positions_have_gaps_and_stops(tmp_path: Path) -> None:
    detect = _load("bench_detect")
    cols = detect.make_positions(3000, seed=5)
    assert len(cols["mmsi"]) == 3000
    assert len(np.unique(cols["mmsi"])) == 3
    order = np.lexsort((cols["ts_us"], cols["mmsi"]))
    assert np.array_equal(order, np.arange(3000))
    step_s = np.diff(cols["ts_us"])[np.diff(cols["mmsi"]) == 0] / 1e6
    assert np.count_nonzero(step_s >= 6 * 3600) == 6  # two gaps per vessel
    assert np.count_nonzero(cols["sog_knots"] < 0.5) >= 3 * 2 * 100  # two 5-8 h stops each
    assert np.all(np.abs(cols["lat"]) < 90)
    np.savez(tmp_path / "p.npz", **cols)
    result = detect._worker_darkfleet(tmp_path / "p.npz")
    assert "error" not in result
    assert result["gaps"] == 6  # the two planted 6 h+ gaps per vessel
