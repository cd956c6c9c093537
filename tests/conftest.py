"""Shared fixtures. `stack` starts the real action server and Rasa once per test session."""

from __future__ import annotations

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
