"""PostgreSQL under a burst of page loads: every page answers and each process stays within its pool."""

from __future__ import annotations

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.cluster.harness import Cluster, admin_url

pytestmark = pytest.mark.server

POOL_SIZE = 16  # DATABASE_POOL_SIZE's default (config/settings/base.py)


def _status(url: str) -> int | str:
    """One page load by a new visitor (each makes a guest row); the HTTP status, or the error's name."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError as exc:
        return type(exc).__name__


def _connections(database: str) -> int:
    """Open server connections to ``database`` right now."""
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)).fetchone()
    assert row is not None
    return int(row[0])


def test_bursts_of_page_loads_stay_within_the_pool(cluster: Cluster) -> None:
    """Three bursts of 120 new visitors: all get the lobby, and the database never holds more than the pools.

    Without a pool each page view's thread kept its own connection: one such burst filled PostgreSQL's 100.
    """
    with ThreadPoolExecutor(120) as pool:
        for burst in range(3):
            statuses = list(pool.map(_status, [cluster.url + "/"] * 120))
            assert statuses == [200] * 120, f"burst {burst}: {sorted(set(map(str, statuses)))}"
            held = _connections(cluster.database)
            assert 0 < held <= POOL_SIZE * len(cluster.nodes), f"burst {burst}: {held} connections"
