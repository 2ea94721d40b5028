from collections.abc import Iterator

import pytest

from tests.server import LiveServer


@pytest.fixture(autouse=True)
async def _fresh_runtime(fresh_runtime: None) -> None:
    """Every test here starts with an empty room runtime."""


@pytest.fixture(scope="session")
def parlor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server process shared by the end-to-end and browser tests."""
    server = LiveServer(tmp_path_factory.mktemp("server"))
    server.start()
    yield server
    server.stop()
