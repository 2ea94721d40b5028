"""The real server as a subprocess: uvicorn serving config.asgi, on its own database, with this pass's layer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_database_url(workdir: Path, name: str) -> str:
    """A new empty database: a SQLite file, or a recreated PostgreSQL database when DATABASE_URL is set."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{workdir / (name + '.sqlite3')}"
    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def uvicorn_command(port: int) -> list[str]:
    """The server's command line: uvicorn serving config.asgi on 127.0.0.1:port."""
    return [
        sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
        "--port", str(port), "--lifespan", "on", "--ws-per-message-deflate", "false",
        "--timeout-graceful-shutdown", "2",
    ]  # fmt: skip


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 20) -> None:
    """Wait until ``url``/healthz answers 200; fail with the log's tail if the process exits or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


class LiveServer:
    """Start, stop, kill and restart one uvicorn process; its database survives restarts."""

    def __init__(self, workdir: Path, name: str = "parlor_e2e") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.lane_port = free_port()
        self.lane_url = f"ws://127.0.0.1:{self.lane_port}"
        self.log = workdir / f"{name}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DEBUG": "0",
            "DATABASE_URL": fresh_database_url(workdir, name),
            "REDIS_PREFIX": f"{name}-{self.port}",
            "PARLOR_NOTIFY_POLL": "0.2",
            "PARLOR_PRESENCE_HEARTBEAT": "1",
            "PARLOR_PRESENCE_EXPIRY": "4",
            "PARLOR_DROP_IN_GRACE": "1",
            "PARLOR_LANE_PORT": str(self.lane_port),
            "PARLOR_PROCESS": f"{name}-{self.port}",  # the same across this server's restarts
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.command_prefix: list[str] = []
        self.manage("migrate", "--noinput")

    def manage(self, *args: str) -> str:
        """Run a management command against this server's database and layer."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def start(self) -> None:
        """Start uvicorn and wait until /healthz answers."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.command_prefix, *uvicorn_command(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_healthy(self.url, self.process, self.log)

    def kill(self) -> None:
        """Kill -9, as a crash would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
