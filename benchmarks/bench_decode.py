"""Decode throughput of darkfleet and its peers on one NMEA corpus, in one run.

Each tool runs in its own subprocess, so peak RSS (``ru_maxrss`` from ``os.wait4``) is that
tool's alone and a crash or a missing package only loses its own row. Rows:

- ``floor-numpy``: read the file into NumPy and count its lines (the line-read floor);
- ``floor-python``: ``for line in f`` over the file in binary mode;
- ``pyais``: ``FileReaderStream`` -> ``decode()`` of every message, multi-part joined;
- ``libais``: ``ais.nmea_queue.NmeaQueue`` (joins multi-part messages through the tag
  block's ``g:`` group);
- ``aisdb``: ``aisdb.decode_msgs(..., type_preference="nm4")`` into a fresh SQLite file
  (with the default ``"all"`` AISdb 1.7.2 stores nothing from NMEA files);
- ``darkfleet``: ``frame_nmea`` then ``decode_messages`` (library, in memory);
- ``darkfleet-cli``: ``darkfleet ingest FILE --store DIR``, process start to Parquet.

"CPU s" is the tool's CPU time (user + system, all threads) over the same span as
"seconds"; for ``darkfleet-cli`` it is the whole process, imports included. On a machine
shared with other jobs, wall seconds swing with the load; CPU seconds (and messages per
CPU second) swing much less.

Peers that are slow can run on the first N lines (``--sample pyais=200000``); their
rate is measured on that sample and the table says so. libais and AISdb need their own
interpreter (``--peer-python``, default ``/work/venv-peers/bin/python`` when present).

Example::

    python benchmarks/bench_decode.py --corpus benchmarks/out/mixed-1m.nmea \\
        --json benchmarks/out/decode.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TOOLS = ("floor-numpy", "floor-python", "pyais", "libais", "aisdb", "darkfleet", "darkfleet-cli")
PEER_TOOLS = ("libais", "aisdb")
DEFAULT_PEER_PYTHON = Path("/work/venv-peers/bin/python")
NOT_AVAILABLE = "not available yet"
SENTENCE_RE = re.compile(rb"!AIVD[MO],(\d),(\d),")
CONTINUATION_RE = re.compile(rb"!AIVD[MO],\d,[2-9],")

# ----------------------------------------------------------------------------- workers
# Each worker runs in a fresh interpreter, imports only its tool, times the decode alone
# and returns {"messages": int, "seconds": float, "cpu_seconds": float, "version": str,
# "note": str} (CPU seconds: this process's threads over the same span).


def _worker_floor_numpy(path: Path) -> dict[str, Any]:
    import numpy as np

    started, cpu_started = time.perf_counter(), time.process_time()
    data = np.fromfile(path, dtype=np.uint8)
    lines = int(np.count_nonzero(data == 10))
    return {
        "messages": lines,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "version": f"numpy {np.__version__}",
        "note": "lines, not messages",
    }


def _worker_floor_python(path: Path) -> dict[str, Any]:
    started, cpu_started = time.perf_counter(), time.process_time()
    lines = 0
    with path.open("rb") as f:
        for _line in f:
            lines += 1
    return {
        "messages": lines,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "version": f"python {platform.python_version()}",
        "note": "lines, not messages",
    }


def _worker_pyais(path: Path) -> dict[str, Any]:
    import pyais
    from pyais.stream import FileReaderStream

    started, cpu_started = time.perf_counter(), time.process_time()
    messages = 0
    with FileReaderStream(str(path)) as stream:
        for message in stream:
            message.decode()
            messages += 1
    return {
        "messages": messages,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "version": f"pyais {pyais.__version__}",
        "note": "",
    }


def _worker_libais(path: Path) -> dict[str, Any]:
    from importlib.metadata import version

    from ais import nmea_queue

    started, cpu_started = time.perf_counter(), time.process_time()
    queue = nmea_queue.NmeaQueue()
    messages = undecoded = 0
    with path.open() as f:
        for line in f:
            queue.put(line)
            entry = queue.GetOrNone()
            while entry is not None:
                if "decoded" in entry:
                    messages += 1
                else:
                    undecoded += 1
                entry = queue.GetOrNone()
    note = f"{undecoded} lines not decoded" if undecoded else ""
    return {
        "messages": messages,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "version": f"libais {version('libais')}",
        "note": note,
    }


def _worker_aisdb(path: Path) -> dict[str, Any]:
    import contextlib
    import io
    import sqlite3
    from importlib.metadata import version

    from aisdb.database.dbconn import SQLiteDBConn
    from aisdb.database.decoder import decode_msgs

    workdir = Path(tempfile.mkdtemp(prefix="bench-aisdb-"))
    try:
        db_path = workdir / "ais.db"
        started, cpu_started = time.perf_counter(), time.process_time()
        # AISdb prints its progress to stdout; keep our stdout for the JSON result.
        with contextlib.redirect_stdout(io.StringIO()), SQLiteDBConn(str(db_path)) as db:
            decode_msgs([str(path)], db, "bench", type_preference="nm4", verbose=False)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started  # its worker processes not included
        con = sqlite3.connect(db_path)
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        rows = {
            t: con.execute(f'select count(*) from "{t}"').fetchone()[0]
            for t in tables
            if t.endswith(("_dynamic", "_static"))
        }
        con.close()
        stored = sum(rows.values())
        db_mb = db_path.stat().st_size / 1e6
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "messages": None,  # the parent fills in the input's message count
        "stored_rows": stored,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "version": f"aisdb {version('aisdb')}",
        "note": f"decode + SQLite insert; stored {stored:,} rows ({', '.join(f'{k} {v:,}' for k, v in rows.items())}), {db_mb:.0f} MB",
    }


def _count_rows(result: Any) -> int:
    """Count decoded rows in whatever ``decode_messages`` returns (frames, tuples, objects)."""
    if hasattr(result, "height"):
        return int(result.height)
    if isinstance(result, (tuple, list)):
        return sum(
            _count_rows(item)
            for item in result
            if hasattr(item, "height") or isinstance(item, (tuple, list))
        )
    if isinstance(result, dict):
        return sum(_count_rows(v) for k, v in result.items() if k != "rejects")
    total = 0
    for name in ("positions", "statics", "others"):
        if hasattr(result, name):
            total += _count_rows(getattr(result, name))
    return total


def _worker_darkfleet(path: Path) -> dict[str, Any]:
    try:
        import darkfleet
        from darkfleet.ingest.nmea import frame_nmea
        from darkfleet.ingest.nmea.payload import decode_messages
        from darkfleet.ingest.sources import expand_inputs, iter_line_batches
    except ImportError as err:
        return {"error": f"{NOT_AVAILABLE} ({err})"}
    started, cpu_started = time.perf_counter(), time.process_time()
    (source,) = expand_inputs([str(path)], spool_dir=path.parent)
    messages = 0
    state = None
    # read lines -> frame sentences into messages (multi-part joined) -> decode payloads
    for batch in iter_line_batches(source):
        framed = frame_nmea(batch, state)
        state = framed.state
        decoded = decode_messages(framed.messages)
        messages += sum(decoded.counts_by_type.values()) + decoded.rejects.height
    seconds = time.perf_counter() - started
    return {
        "messages": messages,
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu_started,
        "version": f"darkfleet {darkfleet.__version__}",
        "note": "library: read + frame + decode, one process",
    }


WORKERS = {
    "floor-numpy": _worker_floor_numpy,
    "floor-python": _worker_floor_python,
    "pyais": _worker_pyais,
    "libais": _worker_libais,
    "aisdb": _worker_aisdb,
    "darkfleet": _worker_darkfleet,
}

# ----------------------------------------------------------------------------- parent


def count_messages(path: Path) -> tuple[int, int]:
    """Return (lines, messages) of an NMEA file: a message is a sentence with number 1.

    Reads in blocks of whole lines so that this process stays small: a child's
    ``ru_maxrss`` starts from its parent's RSS at fork time.
    """
    lines = continuations = 0
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            block += f.readline()
            lines += block.count(b"\n")
            continuations += len(CONTINUATION_RE.findall(block))
    return lines, lines - continuations


def peak_rss_mb() -> float:
    """Peak RSS of this process (``VmHWM``, reset by exec) or of any child it waited for."""
    own_kb = 0
    with Path("/proc/self/status").open() as f:
        for line in f:
            if line.startswith("VmHWM:"):
                own_kb = int(line.split()[1])
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own_kb, children_kb) / 1024


def write_sample(path: Path, n_lines: int, out_dir: Path) -> Path:
    """Write the first ``n_lines`` of ``path`` (never splitting a multi-sentence message)."""
    sample = out_dir / f"{path.stem}.first{n_lines}{path.suffix}"
    kept: list[bytes] = []
    with path.open("rb") as f:
        for line in f:
            kept.append(line)
            if len(kept) >= n_lines:
                fragment = SENTENCE_RE.search(line)
                if fragment is None or fragment.group(1) == fragment.group(2):
                    break
    sample.write_bytes(b"".join(kept))
    return sample


def run_subprocess(
    cmd: list[str], timeout_s: float, env: dict[str, str] | None = None
) -> tuple[int, str, str, float, float, float]:
    """Run ``cmd``; return (exit status, stdout, stderr, wall seconds, peak RSS MB, CPU s).

    CPU seconds are the child's user + system time (all its threads).
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        deadline = started + timeout_s
        status, rusage = 0, None
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in KiB on Linux.
        return (
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            wall,
            rusage.ru_maxrss / 1024,
            rusage.ru_utime + rusage.ru_stime,
        )


def run_tool(tool: str, corpus: Path, python: str, timeout_s: float) -> dict[str, Any]:
    if tool == "darkfleet-cli":
        return run_darkfleet_cli(corpus, python, timeout_s)
    cmd = [python, str(Path(__file__).resolve()), "--worker", tool, "--corpus", str(corpus)]
    status, stdout, stderr, wall, rss_mb, _ = run_subprocess(cmd, timeout_s)
    result: dict[str, Any] = {
        "tool": tool,
        "python": python,
        "process_seconds": wall,
        "peak_rss_mb": rss_mb,
    }
    if status != 0:
        last = stderr.strip().splitlines()[-1:] or [f"exit status {status}"]
        result["error"] = f"failed (exit {status}): {last[0]}"
        return result
    result.update(json.loads(stdout.strip().splitlines()[-1]))
    return result


def run_darkfleet_cli(corpus: Path, python: str, timeout_s: float) -> dict[str, Any]:
    result: dict[str, Any] = {"tool": "darkfleet-cli", "python": python}
    status, *_ = run_subprocess([python, "-m", "darkfleet", "ingest", "--help"], 60)
    if status != 0:
        result["error"] = NOT_AVAILABLE + " (no `darkfleet ingest` command)"
        return result
    store = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        cmd = [python, "-m", "darkfleet", "ingest", str(corpus), "--store", str(store)]
        status, _, stderr, wall, rss_mb, cpu_s = run_subprocess(cmd, timeout_s)
        result.update(
            {"seconds": wall, "cpu_seconds": cpu_s, "process_seconds": wall, "peak_rss_mb": rss_mb}
        )
        if status != 0:
            result["error"] = f"failed (exit {status}): {(stderr.strip().splitlines() or [''])[-1]}"
            return result
        files = sorted(store.rglob("*.parquet"))
        store_mb = sum(f.stat().st_size for f in files) / 1e6
        rows = _parquet_rows(python, store)
        result["note"] = (
            f"process start to Parquet; {len(files)} files, {store_mb:.0f} MB; rows {rows}"
        )
        result["messages"] = None  # input messages, filled in by the caller
    finally:
        shutil.rmtree(store, ignore_errors=True)
    return result


def _parquet_rows(python: str, store: Path) -> str:
    code = (
        "import sys, pyarrow.dataset as ds, pathlib;"
        "s = pathlib.Path(sys.argv[1]);"
        "print(', '.join(f'{d.name} {ds.dataset(d, format=\"parquet\", partitioning=\"hive\").count_rows():,}'"
        " for d in sorted(s.iterdir()) if d.is_dir() and any(d.rglob('*.parquet'))))"
    )
    status, stdout, stderr, *_ = run_subprocess([python, "-c", code, str(store)], 120)
    return stdout.strip() if status == 0 else f"? ({stderr.strip().splitlines()[-1:]})"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with Path("/proc/cpuinfo").open() as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with Path("/proc/meminfo").open() as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024**2, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def markdown_table(results: list[dict[str, Any]], total_messages: int) -> str:
    base = next((r for r in results if r["tool"] == "pyais" and "error" not in r), None)
    base_rate = base["messages"] / base["seconds"] if base else None
    base_cpu = base.get("cpu_seconds") if base else None
    base_per_cpu = base["messages"] / base_cpu if base and base_cpu else None
    rows = [
        "| tool | messages | seconds | CPU s | msg/s | msg per CPU s | x pyais | x pyais per CPU s | peak RSS MB | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if "error" in r:
            rows.append(f"| {r['tool']} | | | | | | | | | {r['error']} |")
            continue
        rate = r["messages"] / r["seconds"]
        cpu = r.get("cpu_seconds")
        cpu_cell = per_cpu_cell = cpu_ratio = ""
        if cpu:
            cpu_cell, per_cpu_cell = f"{cpu:.2f}", f"{r['messages'] / cpu:,.0f}"
            cpu_ratio = f"{r['messages'] / cpu / base_per_cpu:.2f}" if base_per_cpu else ""
        ratio = f"{rate / base_rate:.2f}" if base_rate else ""
        notes = [r.get("version", ""), r.get("note", "")]
        if r.get("sample_lines"):
            notes.append(
                f"sample: first {r['sample_lines']:,} lines of the corpus ({total_messages:,} messages in all)"
            )
        rows.append(
            f"| {r['tool']} | {r['messages']:,} | {r['seconds']:.2f} | {cpu_cell} | {rate:,.0f} | {per_cpu_cell} | {ratio} | {cpu_ratio} | {r.get('peak_rss_mb', 0):.0f} | {'; '.join(n for n in notes if n)} |"
        )
    return "\n".join(rows)


def parse_sample(text: str) -> dict[str, int]:
    samples: dict[str, int] = {}
    for item in filter(None, text.split(",")):
        tool, _, n = item.partition("=")
        if tool not in TOOLS or not n.isdigit():
            raise argparse.ArgumentTypeError(
                f"--sample item {item!r}: write TOOL=LINES, e.g. pyais=200000 (tools: {', '.join(TOOLS)})"
            )
        samples[tool] = int(n)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path("benchmarks/out/mixed-1m.nmea"),
        help="NMEA file (make one with benchmarks/corpus.py)",
    )
    parser.add_argument(
        "--only",
        default=",".join(TOOLS),
        help=f"comma-separated tools (default all: {','.join(TOOLS)})",
    )
    parser.add_argument(
        "--sample",
        type=parse_sample,
        default={},
        help="run a tool on the first N lines only, e.g. pyais=200000,libais=200000",
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter for floor, pyais and darkfleet (default: this one)",
    )
    parser.add_argument(
        "--peer-python",
        default=str(DEFAULT_PEER_PYTHON) if DEFAULT_PEER_PYTHON.exists() else sys.executable,
        help="interpreter with libais and aisdb installed",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds before a tool's run is killed (default %(default)s)",
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write the results as JSON here"
    )
    parser.add_argument("--worker", choices=tuple(WORKERS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = WORKERS[args.worker](args.corpus)
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return 0

    tools = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown:
        parser.error(f"--only: unknown tools {unknown}; choose from {', '.join(TOOLS)}")
    if not args.corpus.is_file():
        parser.error(
            f"--corpus {args.corpus} does not exist; make it with: python benchmarks/corpus.py --lines 1000000 --seed 7 --out {args.corpus}"
        )
    total_lines, total_messages = count_messages(args.corpus)
    print(
        f"corpus {args.corpus}: {total_lines:,} lines, {total_messages:,} messages", file=sys.stderr
    )
    sample_dir = Path(tempfile.mkdtemp(prefix="bench-sample-"))
    results: list[dict[str, Any]] = []
    try:
        for tool in tools:
            corpus, sample_lines = args.corpus, args.sample.get(tool)
            messages_in_input = total_messages
            if sample_lines and sample_lines < total_lines:
                corpus = write_sample(args.corpus, sample_lines, sample_dir)
                sample_lines, messages_in_input = count_messages(corpus)
            else:
                sample_lines = None
            python = args.peer_python if tool in PEER_TOOLS else args.python
            print(f"running {tool} ({python}) on {corpus} ...", file=sys.stderr)
            result = run_tool(tool, corpus, python, args.timeout)
            result["sample_lines"] = sample_lines
            if "error" not in result and result.get("messages") is None:
                result["messages"] = messages_in_input
                result["note"] = (result.get("note", "") + "; msg/s over input messages").lstrip(
                    "; "
                )
            if "error" in result and NOT_AVAILABLE in result["error"]:
                print(f"{tool}: {NOT_AVAILABLE}", file=sys.stderr)
            results.append(result)
            print(json.dumps(result), file=sys.stderr)
    finally:
        shutil.rmtree(sample_dir, ignore_errors=True)

    info = machine()
    print(f"\nCorpus: `{args.corpus}` ({total_lines:,} lines, {total_messages:,} messages)\n")
    print(markdown_table(results, total_messages))
    print(
        f"\nMachine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM, {info['os']}, "
        f"Python {info['python']}; load average {info['load_avg_1_5_15']} at the end; {info['date_utc']}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "corpus": str(args.corpus),
                    "lines": total_lines,
                    "messages": total_messages,
                    "machine": info,
                    "results": results,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
