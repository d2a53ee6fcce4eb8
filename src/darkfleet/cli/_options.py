"""Options shared by several commands, so a flag looks the same everywhere."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

DEFAULT_STORE = "darkfleet-data"


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
