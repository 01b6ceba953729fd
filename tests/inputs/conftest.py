"""Fixtures for the input tests."""

from __future__ import annotations

import pytest
from input_fakes import FakeRenderer, FakeStore


@pytest.fixture
def renderer() -> FakeRenderer:
    return FakeRenderer()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()
