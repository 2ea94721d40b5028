"""N real server processes behind a real nginx, sharing a private Redis and one fresh PostgreSQL database.

Modelled on tests/server.py's LiveServer. Processes are numbered from 1, as their names (p1, p2...)
and their ``PARLOR_PROCESS``. Every log (processes, Redis, nginx) is a file under the work directory.
"""

from __future__ import annotations

import http.cookiejar
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import psycopg
from redis import Redis as SyncRedis

from core.ops.nginx import FAIL_TIMEOUT, Process, Tls, render_main
from tests.server import ROOT, free_port, fresh_database_url, uvicorn_command, wait_healthy

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
ACCESS = re.compile(r'"(?:GET|POST) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) .* upstream=(?P<upstream>.*?) room=')


def tool(name: str) -> str:
    """The path of a program the cluster needs; a missing one is an error that says how to get it."""
    found = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if found is None:
        raise RuntimeError(f"{name} is not installed; scripts/test installs what the cluster tests need")
    return found


def postgres_url() -> str:
    """The PostgreSQL server of the suite's second pass (scripts/test), used by both passes here."""
    for name in ("DATABASE_URL", "TEST_DATABASE_URL"):
        if os.environ.get(name, "").startswith("postgres"):
            return os.environ[name]
    return POSTGRES


def admin_url() -> str:
    """The same server's ``postgres`` database, for creating, dropping and watching the cluster's own."""
    return postgres_url().rsplit("/", 1)[0] + "/postgres"


def wait_port(port: int, process: subprocess.Popen[bytes], log: Path, seconds: float = 10) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:port; fail with the log if the process exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{log.stem} exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{log.stem} did not listen on {port}: {log.read_text()[-2000:]}")


def end(process: subprocess.Popen[bytes] | None, sig: signal.Signals = signal.SIGKILL) -> None:
    """Signal a process of ours and reap it (SIGKILL after 10 s if another signal did not end it)."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class Redis:
    """A private redis-server on its own port, never the shared one on 6379; no persistence."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = workdir / "redis.log"
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [tool("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir)]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_port(self.port, self.process, self.log)


class Node:
    """One uvicorn process of the cluster, reached directly on its own port."""

    def __init__(self, number: int, workdir: Path, env: dict[str, str], proxy_port: int) -> None:
        self.name = f"p{number}"
        self.port, self.lane_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log = workdir / f"{self.name}.log"
        self.env = {
            **env,
            "PORT": str(self.port),
            "PARLOR_PROCESS": self.name,
            "PARLOR_LANE_PORT": str(self.lane_port),
            "PARLOR_LANE_URL": f"ws://127.0.0.1:{proxy_port}/lane/{self.name}",
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def spec(self) -> Process:
        return Process(self.name, "127.0.0.1", self.port, self.lane_port)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def launch(self) -> None:
        """Start uvicorn without waiting for it (``wait_healthy`` then waits), so processes boot side by side."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                uvicorn_command(self.port), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait(self) -> None:
        assert self.process is not None
        wait_healthy(self.url, self.process, self.log)


class Proxy:
    """One nginx in the foreground, its config rendered by core/ops/nginx.py into a prefix directory."""

    def __init__(self, prefix: Path, *, tls: bool = False) -> None:
        self.prefix = prefix
        for folder in ("logs", "tmp"):
            (prefix / folder).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url, self.ws_url = f"http://127.0.0.1:{self.port}", f"ws://127.0.0.1:{self.port}"
        self.tls_port = free_port() if tls else None
        self.https_url = f"https://127.0.0.1:{self.tls_port}" if tls else None
        self.static = prefix / "static"
        self.access_log = prefix / "logs" / "access.log"
        self.log = prefix / "logs" / "nginx.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, processes: list[Process]) -> None:
        tls = None
        if self.tls_port is not None:
            cert, key = self.prefix / "cert.pem", self.prefix / "key.pem"
            subprocess.run(
                [tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                 "-keyout", str(key), "-out", str(cert)],
                check=True, capture_output=True, timeout=60,
            )  # fmt: skip
            tls = Tls(f"127.0.0.1:{self.tls_port}", str(cert), str(key))
            self.static.mkdir(exist_ok=True)
        # Workers run as nobody under root by default, and pytest's directories are private to root.
        user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
        config = render_main(
            processes,
            prefix=self.prefix,
            listen=f"127.0.0.1:{self.port}",
            tls=tls,
            static_root=str(self.static) if tls else None,
            workers=1,
            user=user,
        )
        (self.prefix / "nginx.conf").write_text(config)
        command = [tool("nginx"), "-p", f"{self.prefix}/", "-e", str(self.prefix / "logs" / "error.log"),
                   "-c", str(self.prefix / "nginx.conf")]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_port(self.port, self.process, self.log)

    def stop(self) -> None:
        end(self.process, signal.SIGTERM)

    def upstreams(self, path: str) -> list[str]:
        """The process address that served each request to ``path`` so far (a socket is logged when it closes)."""
        if not self.access_log.exists():
            return []
        found = []
        for line in self.access_log.read_text().splitlines():
            match = ACCESS.search(line)
            if match and match["path"] == path:
                found.append(match["upstream"].split(", ")[-1])
        return found


class Cluster:
    """``n`` server processes behind nginx, on a private Redis and one fresh PostgreSQL database."""

    def __init__(self, workdir: Path, n: int = 2, env: dict[str, str] | None = None) -> None:
        """``env`` overrides the processes' variables (e.g. a benchmark restores the production timers)."""
        for name in ("nginx", "redis-server", "openssl"):
            tool(name)
        self.workdir = workdir
        self.overrides = dict(env or {})
        self.redis = Redis(workdir)
        self.database = f"parlor_cluster_{os.getpid()}"
        self.proxy = Proxy(workdir / "nginx")
        self.url, self.ws_url = self.proxy.url, self.proxy.ws_url
        self.tls: Proxy | None = None
        self.nodes: list[Node] = []
        try:
            self._boot(n)
        except BaseException:
            self.stop_all()
            raise

    def _boot(self, n: int) -> None:
        """Redis, the database, nginx, then the processes side by side."""
        self.redis.start()
        with mock.patch.dict(os.environ, {"DATABASE_URL": postgres_url()}):
            database_url = fresh_database_url(self.workdir, self.database)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DEBUG": "0",
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis.url,
            "REDIS_PREFIX": "parlor-cluster",
            "PARLOR_NOTIFY_POLL": "0.2",
            "PARLOR_PRESENCE_HEARTBEAT": "1",
            "PARLOR_PRESENCE_EXPIRY": "4",
            **self.overrides,
        }
        self.manage("migrate", "--noinput")
        self.nodes = [Node(number, self.workdir, self.env, self.proxy.port) for number in range(1, n + 1)]
        self.proxy.start([node.spec for node in self.nodes])
        for node in self.nodes:
            node.launch()
        for node in self.nodes:
            node.wait()

    def manage(self, *args: str) -> str:
        """Run a management command against the cluster's database and Redis."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def process(self, i: int) -> Node:
        """Process number ``i`` (1..n): its own ``url`` and ``ws_url``, bypassing nginx."""
        return self.nodes[i - 1]

    def number(self, address: str) -> int:
        """The number of the process at ``host:port`` (as nginx logs ``$upstream_addr``)."""
        for number, node in enumerate(self.nodes, start=1):
            if address == f"127.0.0.1:{node.port}":
                return number
        raise LookupError(f"no process at {address}")

    def serving(self, path: str) -> list[int]:
        """The processes whose uvicorn accepted a websocket to ``path``, one entry per socket, from their logs."""
        needle = f'"WebSocket {path}" [accepted]'
        return [
            number for number, node in enumerate(self.nodes, start=1) for _ in range(node.log.read_text().count(needle))
        ]

    def owner(self, room: str) -> int:
        """The number of the process holding the room's lease now (core/rooms/placement.py)."""
        holder = SyncRedis.from_url(self.redis.url).get(f"{self.env['REDIS_PREFIX']}:owner:{room}")
        assert holder is not None, f"nobody owns room {room}"
        return int(holder.decode().split("@", 1)[0].removeprefix("p"))

    def kill(self, i: int) -> None:
        """Kill -9 process ``i``, as a crash would."""
        end(self.process(i).process)

    def start(self, i: int) -> None:
        """Start process ``i`` again on the same ports, and wait until it answers."""
        node = self.process(i)
        assert not node.running, f"{node.name} is running"
        node.launch()
        node.wait()

    def stop(self, i: int) -> float:
        """SIGTERM process ``i``; the seconds it took to exit."""
        process = self.process(i).process
        assert process is not None and process.poll() is None
        began = time.monotonic()
        end(process, signal.SIGTERM)
        return time.monotonic() - began

    def restart_redis(self) -> None:
        """Kill the private Redis and start an empty one on the same port."""
        end(self.redis.process)
        self.redis.start()

    def tls_proxy(self) -> Proxy:
        """A second nginx in front of the same processes, serving HTTPS (self-signed) and redirecting plain HTTP."""
        if self.tls is None:
            self.tls = Proxy(self.workdir / "nginx-tls", tls=True)
            self.tls.start([node.spec for node in self.nodes])
        return self.tls

    def heal(self) -> None:
        """Start whatever a test stopped (Redis, processes), so the next test finds the whole cluster.

        nginx skips a process for FAIL_TIMEOUT after failing to reach it, sending its rooms' sockets to the
        other one: so a restart is followed by that wait, and the next test finds every room on its own process."""
        if self.redis.process is None or self.redis.process.poll() is not None:
            self.redis.start()
        restarted = False
        for number, node in enumerate(self.nodes, start=1):
            if not node.running:
                self.start(number)
                restarted = True
        if restarted:
            time.sleep(FAIL_TIMEOUT + 0.5)

    def logs(self, tail: int = 3000) -> str:
        """The end of every log, for a failing test's report."""
        files = [node.log for node in self.nodes] + [self.redis.log, self.proxy.prefix / "logs" / "error.log"]
        return "\n".join(f"==> {path.name} <==\n{path.read_text()[-tail:]}" for path in files if path.exists())

    def stop_all(self) -> None:
        """Stop the processes, both nginx, Redis, and drop the database."""
        for node in self.nodes:
            end(node.process, signal.SIGTERM)
        for proxy in (self.proxy, self.tls):
            if proxy is not None:
                proxy.stop()
        end(self.redis.process)
        with psycopg.connect(admin_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@dataclass(frozen=True)
class Player:
    """A signed-up, logged-in user as a browser holds them: the name, the Cookie header and the session key."""

    name: str
    cookie: str
    session: str


def sign_up(base_url: str, username: str, password: str = "cluster-Pass-4821") -> Player:
    """Create an account through the signup form and stay logged in, as a browser would."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base_url + "/accounts/signup/", timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None, page[:500]
    form = {"csrfmiddlewaretoken": token[1], "username": username, "password1": password, "password2": password}
    with opener.open(base_url + "/accounts/signup/", data=urllib.parse.urlencode(form).encode(), timeout=10) as done:
        assert urllib.parse.urlsplit(done.url).path == "/", f"signup failed: {done.read().decode()[:2000]}"
    cookies = {cookie.name: cookie.value for cookie in jar}
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return Player(username, cookie, cookies["sessionid"])
