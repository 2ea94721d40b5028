"""The nginx configuration for N Parlor processes behind one proxy (docs/cluster.md).

Every socket of a room reaches the same process: ``/ws/room/<id>/`` and ``/ws/arena/`` are hashed
on the room (consistent hashing, so a dead process's rooms all move to the same next one). Pages
and the other sockets go to the least busy process; ``/lane/<name>/`` reaches one process's lane.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Process", "Tls", "render", "render_main"]

NAME = re.compile(r"[A-Za-z0-9_-]+")
WORD = re.compile(r"[^\s;{}'\"#$\\]+")  # a value written unquoted into the config
SOCKET_TIMEOUT = "1h"
STATIC_EXPIRES = "7d"  # the file names carry no content hash, so not a year
TYPES = {
    "text/html": "html",
    "text/css": "css",
    "application/javascript": "js mjs",
    "application/json": "json map",
    "image/svg+xml": "svg",
    "image/png": "png",
    "image/webp": "webp",
    "image/x-icon": "ico",
    "font/woff2": "woff2",
}


def _word(value: str, what: str) -> str:
    """``value`` if it can stand unquoted in the config; a path or host with spaces or ``;`` is refused."""
    if not WORD.fullmatch(value):
        raise ValueError(f"{what} {value!r} can't be written into an nginx config")
    return value


def _port(value: int, what: str) -> int:
    if not 0 < value < 65536:
        raise ValueError(f"{what} {value} is not a TCP port")
    return value


@dataclass(frozen=True)
class Process:
    """One server process: its name (``PARLOR_PROCESS``), the address of its HTTP port, and its lane's port."""

    name: str
    host: str
    port: int
    lane_port: int

    def __post_init__(self) -> None:
        if not NAME.fullmatch(self.name):
            raise ValueError(f"process name {self.name!r} must be letters, digits, '_' or '-'")
        _word(self.host, "host")
        _port(self.port, "port")
        _port(self.lane_port, "lane port")

    @classmethod
    def parse(cls, spec: str) -> Process:
        """``NAME=HOST:PORT:LANE_PORT``, as ``manage.py nginx_conf --process`` takes it."""
        name, _, address = spec.partition("=")
        host, _, ports = address.rpartition(":")
        host, _, port = host.rpartition(":")
        if not (name and host and port.isdigit() and ports.isdigit()):
            raise ValueError(f"expected NAME=HOST:PORT:LANE_PORT, got {spec!r}")
        return cls(name, host, int(port), int(ports))

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Tls:
    """Where HTTPS listens, and the certificate chain and key files."""

    listen: str
    cert: str
    key: str

    def __post_init__(self) -> None:
        _word(self.listen, "TLS listen address")
        _word(self.cert, "certificate path")
        _word(self.key, "key path")


def _block(head: str, lines: Sequence[str]) -> list[str]:
    return [f"{head} {{", *(f"    {line}" if line else "" for line in lines), "}"]


FAIL_TIMEOUT = 2  # seconds nginx sends nothing to a process after one failed attempt to reach it


def _upstreams(processes: Sequence[Process]) -> list[str]:
    servers = [f"server {process.address} max_fails=1 fail_timeout={FAIL_TIMEOUT}s;" for process in processes]
    return [
        "# Every socket of a room goes to one process. Consistent hashing: while a process is down,",
        "# each of its rooms moves to the next process on the ring, all of the room's sockets together.",
        *_block("upstream parlor_rooms", ["hash $parlor_room consistent;", *servers]),
        "",
        "# Pages, the lobby and every other socket: the process with the fewest open connections.",
        *_block("upstream parlor_app", ["least_conn;", *servers]),
    ]


def _socket(target: str) -> list[str]:
    return [f"proxy_pass {target};", f"proxy_read_timeout {SOCKET_TIMEOUT};", f"proxy_send_timeout {SOCKET_TIMEOUT};"]


def _site(processes: Sequence[Process], static_root: str | None, access_log: str, max_body: str) -> list[str]:
    """The directives and locations of the server block that proxies to the processes."""
    lines = [
        f"access_log {_word(access_log, 'access log')} parlor;",
        "server_tokens off;",
        f"client_max_body_size {_word(max_body, 'body size')};",
        "",
        "# Inherited by every location below (none sets its own headers). Upgrade and Connection",
        "# turn a websocket handshake into a tunnel; on other requests Connection is 'close'.",
        "proxy_http_version 1.1;",
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "# A process that refuses or does not answer the connection is skipped (a killed one refuses at once).",
        "proxy_connect_timeout 2s;",
        "proxy_next_upstream error timeout;",
        "",
        *_block("location /", ["proxy_pass http://parlor_app;"]),
        "",
        *_block("location /ws/", _socket("http://parlor_app")),
        "",
        *_block("location ~ ^/ws/(room|arena)/", _socket("http://parlor_rooms")),
    ]
    for process in processes:
        lines += ["", f"# {process.name}'s lane: /lane/{process.name}/arena/ROOM/ reaches /arena/ROOM/ on its port."]
        lines += _block(f"location /lane/{process.name}/", _socket(f"http://{process.host}:{process.lane_port}/"))
    lines += ["", "# Each process's Prometheus metrics, to loopback only; /metrics alone would be a random process."]
    lines += _block("location = /metrics", ["deny all;"])
    for process in processes:
        allow = ["allow 127.0.0.1;", "allow ::1;", "deny all;", f"proxy_pass http://{process.address}/metrics;"]
        lines += _block(f"location = /metrics/{process.name}", allow)
    if static_root is not None:
        root = _word(static_root.rstrip("/") + "/", "static root")
        lines += ["", *_block("location /static/", [f"alias {root};", f"expires {STATIC_EXPIRES};", "access_log off;"])]
    return lines


def render(
    processes: Sequence[Process],
    *,
    listen: str = "80",
    tls: Tls | None = None,
    static_root: str | None = None,
    server_name: str = "_",
    access_log: str = "/var/log/nginx/access.log",
    max_body: str = "2m",
) -> str:
    """The ``http``-level part (maps, upstreams, servers): include it from nginx.conf, e.g. in conf.d/.

    With ``tls``, the site is served over HTTPS and the plain ``listen`` port only redirects there.
    """
    if not processes:
        raise ValueError("at least one process is needed")
    names = [process.name for process in processes]
    if len(set(names)) != len(names):
        raise ValueError(f"process names must differ: {names}")
    name = _word(server_name, "server name")
    lines = [
        "# Parlor behind nginx, rendered by `manage.py nginx_conf` (core/ops/nginx.py; see docs/cluster.md).",
        "",
        *_block("map $http_upgrade $connection_upgrade", ["default upgrade;", "''      close;"]),
        "",
        "# The room a socket belongs to: the hash key of parlor_rooms.",
        *_block(
            "map $uri $parlor_room",
            ["~^/ws/room/(?<r>[A-Za-z0-9_-]+)/ $r;", '~^/ws/arena/ "main-arena";', 'default "";'],
        ),
        "",
        "# $upstream_addr tells which process served each request or socket (logged when a socket closes).",
        "log_format parlor '$remote_addr [$time_local] \"$request\" $status $body_bytes_sent $request_time '",
        '                  \'upstream=$upstream_addr room="$parlor_room" "$http_user_agent"\';',
        "",
        *_upstreams(processes),
        "",
    ]
    site = _site(processes, static_root, access_log, max_body)
    if tls is None:
        plain = [f"listen {_word(listen, 'listen')};", f"server_name {name};", "", *site]
        return "\n".join([*lines, *_block("server", plain)]) + "\n"
    secure = [
        f"listen {tls.listen} ssl;",
        f"server_name {name};",
        f"ssl_certificate {tls.cert};",
        f"ssl_certificate_key {tls.key};",
        "ssl_protocols TLSv1.2 TLSv1.3;",
        "ssl_session_cache shared:parlor_tls:10m;",
        "ssl_session_timeout 1d;",
        "# The one HSTS header is nginx's (the app's own, if it sends one, is dropped, not doubled).",
        'add_header Strict-Transport-Security "max-age=31536000" always;',
        "proxy_hide_header Strict-Transport-Security;",
        "",
        *site,
    ]
    port = tls.listen.rpartition(":")[2]
    target = "https://$host" + ("" if port == "443" else f":{port}") + "$request_uri"
    plain = [f"listen {_word(listen, 'listen')};", f"server_name {name};", f"return 301 {target};"]
    return "\n".join([*lines, *_block("server", secure), "", *_block("server", plain)]) + "\n"


def render_main(
    processes: Sequence[Process],
    *,
    prefix: str | Path,
    listen: str = "80",
    tls: Tls | None = None,
    static_root: str | None = None,
    server_name: str = "_",
    max_body: str = "2m",
    workers: int | str = "auto",
    user: str | None = None,
) -> str:
    """A whole nginx.conf running in the foreground, with its pid, logs and temporary files under ``prefix``.

    Run it with ``nginx -c FILE -p PREFIX``; the site's options are those of ``render``.
    """
    where = _word(str(Path(prefix).resolve()), "prefix")
    http = render(
        processes,
        listen=listen,
        tls=tls,
        static_root=static_root,
        server_name=server_name,
        access_log=f"{where}/logs/access.log",
        max_body=max_body,
    )
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temporary = [f"{kind}_temp_path {where}/tmp/{kind};" for kind in kinds]
    types = [f"{mime} {extensions};" for mime, extensions in TYPES.items()]
    lines = [
        "# A whole nginx.conf for Parlor, rendered by `manage.py nginx_conf --main` (core/ops/nginx.py).",
        "daemon off;",
        *([f"user {_word(user, 'user')};"] if user else []),
        f"worker_processes {workers};",
        "worker_rlimit_nofile 16384;",
        f"pid {where}/nginx.pid;",
        f"error_log {where}/logs/error.log warn;",
        "",
        *_block("events", ["worker_connections 8192;"]),
        "",
        *_block(
            "http",
            [
                *_block("types", types),
                "default_type application/octet-stream;",
                "sendfile on;",
                *temporary,
                "",
                *http.rstrip("\n").split("\n"),
            ],
        ),
    ]
    return "\n".join(lines) + "\n"
