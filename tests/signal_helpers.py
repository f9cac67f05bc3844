"""SIGTERM in tests: sent to this very process, so a handler of the test's own stands behind
companion's. Should companion not take the signal, that handler records it (and the test fails)
instead of the whole test run being killed."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sigterm_behind() -> Iterator[list[int]]:
    """Yields the list of SIGTERMs that reached the test's handler rather than companion's."""
    unhandled: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, _frame: unhandled.append(number))
    try:
        yield unhandled
    finally:
        signal.signal(signal.SIGTERM, previous)


def send_sigterm() -> None:
    """As a platform does to stop a process (a deploy, a restart, scaling down)."""
    os.kill(os.getpid(), signal.SIGTERM)
