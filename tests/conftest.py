"""Shared pytest fixtures: paths to the repository, the shared design folder and OPA."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ASSETS = Path(__file__).resolve().parent / "data"

assert ASSETS.is_dir(), f"test data folder missing: {ASSETS}"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository checkout."""
    return REPO


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the repository (design notes, ATLAS releases); required."""
    assert SHARED.is_dir(), f"../shared is missing beside the repository: {SHARED}"
    return SHARED
