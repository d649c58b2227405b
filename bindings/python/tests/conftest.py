"""Shared fixtures. Every container a test makes carries the label pocketdock.test=python
(scripts/test-python sweeps that label afterwards) and is shut down even when the test fails.
The engine is the one POCKETDOCK_SOCKET names (scripts/test-python runs the suite once per
engine)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

import pocketdock
from pocketdock import Container

LABELS = {"pocketdock.test": "python"}


def unique(prefix: str = "pdpy") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def engine() -> str:
    return pocketdock.Client().engine_info().kind


@pytest.fixture
def make() -> Iterator[object]:
    """make(**kwargs) -> Container; every one is shut down (and destroyed) at the end."""
    made: list[Container] = []

    def _make(**kwargs: object) -> Container:
        labels = dict(LABELS)
        labels.update(kwargs.pop("labels", {}) or {})  # type: ignore[call-overload]
        c = pocketdock.create_new_container(labels=labels, **kwargs)  # type: ignore[arg-type]
        made.append(c)
        return c

    yield _make
    for c in made:
        try:
            c.shutdown()
            if c.persist:
                pocketdock.destroy_container(c.name)
        except pocketdock.PocketDockError:
            pass


@pytest.fixture(scope="module")
def shared() -> Iterator[Container]:
    """One container for the tests that only run commands in it."""
    c = pocketdock.create_new_container(labels=LABELS)
    yield c
    c.shutdown()


def socket() -> str:
    return os.environ.get("POCKETDOCK_SOCKET", "")
