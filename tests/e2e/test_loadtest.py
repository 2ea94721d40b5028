"""``manage.py loadtest`` briefly against the real server, in both protocols (the seed's, and the arena lane's
binary one): a report per N, a PNG chart."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients import expect, guest_cookie, open_socket, send
from tests.server import ROOT, LiveServer

pytestmark = pytest.mark.server
STEP = re.compile(r"^N=\s*(\d+): (\d+)/(\d+) connected, gap p50/p95/p99/max (\d+)/\d+/\d+/\d+ ms, .* errors (\d+) ")


async def _arena_room(server: LiveServer) -> str:
    """A new public arena room, created from the lobby like a player would."""
    async with await open_socket(server.ws_url, "/ws/lobby/", guest_cookie(server.url)) as lobby:
        await send(lobby, type="lobby.create", game="arena", options={}, public=True)
        created = await expect(lobby, "lobby.created")
    return str(created["room"]["id"])


@pytest.mark.parametrize("protocol", ["seed", "parlor"])
async def test_loadtest_reports_each_step_and_draws_a_chart(
    parlor_server: LiveServer, protocol: str, tmp_path: Path
) -> None:
    """3 then 6 players, 1.5 s windows: ~50 ms gaps, no errors, a progress bar, a PNG; it ends by itself."""
    url = (
        parlor_server.url
        if protocol == "seed"
        else f"{parlor_server.lane_url}/arena/{await _arena_room(parlor_server)}/"
    )
    chart, report = tmp_path / "gaps.png", tmp_path / "steps.json"
    command = [
        sys.executable, "manage.py", "loadtest", url, "--protocol", protocol, "--steps", "3,6", "--window", "1.5",
        "--settle", "0.5", "--chart", str(chart), "--json", str(report),
    ]  # fmt: skip
    done = await asyncio.to_thread(subprocess.run, command, cwd=ROOT, capture_output=True, timeout=90)
    stdout, stderr = done.stdout.decode(), done.stderr.decode()  # not text=True: that would turn \r into \n
    assert done.returncode == 0, stdout + stderr

    steps = {int(m[1]): m for line in stdout.splitlines() if (m := STEP.match(line))}
    assert sorted(steps) == [3, 6], stdout
    for n, step in steps.items():
        assert int(step[2]) == int(step[3]) == n, stdout  # everyone connected
        assert 30 <= int(step[4]) <= 120, stdout  # p50 gap around the 50 ms tick
        assert int(step[5]) == 0, stdout  # no refusals, drops or error replies
    assert "\r[" in stderr and "measuring" in stderr  # the progress bar
    assert f"chart: {chart}" in stdout

    measured = json.loads(report.read_text())["steps"]
    assert [s["n"] for s in measured] == [3, 6]
    assert all(s["errors"] == 0 and s["msgs_per_s"] > 0 and 0 <= s["client_cpu"] < 100 for s in measured)
    png = chart.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
