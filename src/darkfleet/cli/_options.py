"""Options shared by several commands, so a flag looks the same everywhere."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from darkfleet.config import load_config_file

F = TypeVar("F", bound=Callable[..., object])

DEFAULT_STORE = "darkfleet-data"
CONFIG_HELP = (
    "TOML file with [detect.<name>], [risk] and [sanctions] sections (docs/configuration.md)."
)


def load_config(path: str | None) -> tuple[dict[str, Any] | None, str]:
    """Parse ``--config FILE``; return the tables and the name messages use for it."""
    if path is None:
        return None, "darkfleet.toml"
    return load_config_file(Path(path)), path


def resolve_store(store: str | None) -> Path:
    """Return the store directory: the flag, else ``$DARKFLEET_STORE``, else ``./darkfleet-data``."""
    return Path(store or os.environ.get("DARKFLEET_STORE") or DEFAULT_STORE)


def store_option(func: F) -> F:
    """Add ``--store DIR`` (default ``$DARKFLEET_STORE`` or ``./darkfleet-data``)."""
    return click.option(
        "--store",
        "store",
        type=click.Path(file_okay=False, dir_okay=True),
        default=None,
        help="Store directory. [default: $DARKFLEET_STORE or ./darkfleet-data]",
    )(func)


def format_option(
    *choices: str, default: str = "table", help_text: str = "Output format."
) -> Callable[[F], F]:
    """Add ``--format`` (parameter ``output_format``) with the given choices."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=help_text,
    )


def summary_option(func: F) -> F:
    """Add ``--summary table|json`` (parameter ``summary_format``) for a command's summary."""
    return click.option(
        "--summary",
        "summary_format",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="How to print the summary on stdout.",
    )(func)


def progress_option(func: F) -> F:
    """Add ``--no-progress`` (parameter ``no_progress``)."""
    return click.option("--no-progress", is_flag=True, help="Do not draw progress on stderr.")(func)
