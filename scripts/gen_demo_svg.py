"""Write docs/demo.svg, the README's screenshot, from a fresh run of ``darkfleet demo``.

Run: python scripts/gen_demo_svg.py  (about 30 s; the demo runs in a temporary folder)

The SVG names only locally installed fonts: Rich's template also points at a CDN copy of
Fira Code, which this script removes so the picture never loads anything from the web.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.text import Text

DOC = Path(__file__).resolve().parent.parent / "docs" / "demo.svg"
WIDTH_CHARS = 200
_REMOTE_FONT = re.compile(r',\s*url\("https?://[^"]*"\) format\("[^"]*"\)')


def main() -> int:
    """Run the demo, keep its stdout, and draw it as a terminal screenshot."""
    with tempfile.TemporaryDirectory() as folder:
        run = subprocess.run(
            [sys.executable, "-m", "darkfleet", "demo", "--out", str(Path(folder) / "demo")],
            capture_output=True,
            text=True,
            check=True,
        )
    # the store's temporary path would change on every run: show the README's default
    output = run.stdout.replace(str(Path(folder) / "demo"), "darkfleet-demo")
    console = Console(record=True, width=WIDTH_CHARS, file=io.StringIO())
    console.print(Text("$ darkfleet demo"), highlight=False)
    console.print(Text(output.rstrip("\n")), highlight=False, soft_wrap=True)
    svg = console.export_svg(title="darkfleet demo")
    DOC.write_text(_REMOTE_FONT.sub("", svg), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
