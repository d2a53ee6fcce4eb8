"""Imports every command module so that each registers its commands on the group."""

from __future__ import annotations

from darkfleet.cli import (  # noqa: F401
    demo,
    detect,
    evaluate,
    ingest,
    reports,
    sanctions,
    simulate,
    store,
    vessel,
    workspace,
)
