"""Shared fixtures. `stack` starts the real action server and Rasa once per test session."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from tools.stack import Stack, trained_model


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(workdir=tmp_path_factory.mktemp("stack"), model=trained_model())
    try:
        running.start()
    except Exception as error:
        running.close()
        pytest.fail(f"could not start the stack: {error}\n{running.logs()}")
    yield running
    running.close()


@pytest.fixture(autouse=True)
def _background_bookkeeping_done() -> Iterator[None]:
    """The action server's background writes (actions/store.in_background) of a test are done
    before the next test changes the database under them."""
    yield
    store = sys.modules.get("actions.store")
    if store is not None:
        store.drain()
