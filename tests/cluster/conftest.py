"""The ``cluster`` fixture: two server processes behind nginx for the whole session; their logs on failure."""

from __future__ import annotations

import uuid
from collections.abc import Generator, Iterator

import pytest

from tests.cluster.harness import Cluster, Player, sign_up

_started: list[Cluster] = []


@pytest.fixture(scope="session")
def _cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path_factory.mktemp("cluster"), n=2)
    _started.append(cluster)
    yield cluster
    cluster.stop_all()


@pytest.fixture
def cluster(_cluster: Cluster) -> Iterator[Cluster]:
    """The shared cluster, whole again after each test (tests kill processes and Redis)."""
    yield _cluster
    _cluster.heal()


@pytest.fixture
def players(cluster: Cluster) -> tuple[Player, Player]:
    """Two new accounts, signed up and logged in through nginx."""
    tag = uuid.uuid4().hex[:8]
    return sign_up(cluster.url, f"alice_{tag}"), sign_up(cluster.url, f"bob_{tag}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing cluster test shows the end of every process's, Redis's and nginx's log."""
    report = yield
    if report.failed and _started:
        report.sections.append(("cluster logs", _started[0].logs()))
    return report
