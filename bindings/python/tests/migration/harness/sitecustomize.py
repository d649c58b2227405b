"""Loaded by the migration programs' interpreter (PYTHONPATH): labels every container they
create pocketdock.test=python and records its name in $PDPY_CREATED, so the test removes
whatever a program leaves behind. The programs themselves are not changed."""

import functools
import os

import pocketdock
from pocketdock import _create

_orig = _create.create_new_container


@functools.wraps(_orig)
def _labelled(**kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("labels", {"pocketdock.test": "python"})
    c = _orig(**kwargs)
    with open(os.environ["PDPY_CREATED"], "a") as f:
        f.write(c.name + "\n")
    return c


_create.create_new_container = _labelled
pocketdock.create_new_container = _labelled
