"""Rendering of results for stdout: tables for people, JSON for programs."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text


def stdout_console() -> Console:
    """A console on stdout: colour only on a terminal, no wrapping of long cells in pipes."""
    is_tty = sys.stdout.isatty()
    return Console(file=sys.stdout, no_color=not is_tty, width=None if is_tty else 200)


def stderr_console() -> Console:
    """A console on stderr for progress and notes."""
    return Console(file=sys.stderr, no_color=not sys.stderr.isatty())


def echo_json(value: Any) -> None:
    """Print ``value`` as canonical JSON (sorted keys, stable separators)."""
    click.echo(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))


def print_table(title: str | None, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a simple table on stdout.

    Cells and the title are data, never rich markup: a vessel named ``[RED] STAR`` prints
    as it is.
    """
    console = stdout_console()
    if title:
        console.print(Text(title, style="bold"), highlight=False, soft_wrap=True)
    table = Table(show_edge=False, header_style="bold")
    for header in headers:
        table.add_column(escape(header))
    for row in rows:
        table.add_row(*("" if cell is None else escape(str(cell)) for cell in row))
    console.print(table)
    console.print()
