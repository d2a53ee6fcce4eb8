"""Shared fixtures: the real data beside the repository, hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parent.parent
# ../shared beside the repository; a git worktree (e.g. /work/wt/<branch>) finds it further up.
SHARED_REAL = next(
    (
        p / "shared" / "data" / "real"
        for p in REPO.parents
        if (p / "shared" / "data" / "real").is_dir()
    ),
    REPO.parent / "shared" / "data" / "real",
)
TEST_DATA = Path(__file__).resolve().parent / "data"

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def shared_real() -> Path:
    """``../shared/data/real``; tests using it skip with a reason when it is absent."""
    if not SHARED_REAL.is_dir():
        pytest.skip(
            f"{SHARED_REAL} is absent: real-data tests need the project's shared/ folder "
            "beside the repository (a user's clone has none)"
        )
    return SHARED_REAL


@pytest.fixture(scope="session")
def test_data() -> Path:
    """Small real samples copied into the repository (each with a SOURCE note)."""
    return TEST_DATA
