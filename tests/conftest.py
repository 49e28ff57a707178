"""Fixtures shared by every test package: where the reference data live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """``../shared/data`` beside the checkout, or ``$SHOESTREET_SHARED_DATA``."""
    override = os.environ.get("SHOESTREET_SHARED_DATA")
    return Path(override) if override else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Root of the shared reference data; tests that need it skip clearly when absent."""
    root = shared_data_dir()
    if not root.is_dir():
        pytest.skip(f"shared reference data not found at {root} (set SHOESTREET_SHARED_DATA)")
    return root
