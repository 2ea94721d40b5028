"""The nginx config: its routing, the committed deploy file, and real ``nginx -t`` on rendered configs."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.ops.nginx import Process, Tls, render, render_main

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy" / "nginx" / "parlor.conf"
DEPLOY_ARGS = [
    "--process", "app1=app1:8000:8001", "--process", "app2=app2:8000:8001",
    "--listen", "80", "--tls-listen", "443",
    "--cert", "/etc/nginx/certs/fullchain.pem", "--key", "/etc/nginx/certs/privkey.pem",
    "--static-root", "/srv/static", "--server-name", "_",
]  # fmt: skip
PROCESSES = [Process("p1", "127.0.0.1", 8101, 8111), Process("p2", "127.0.0.1", 8102, 8112)]


def nginx_conf(*args: str) -> str:
    """What ``manage.py nginx_conf ARGS`` prints."""
    out = io.StringIO()
    call_command("nginx_conf", *args, stdout=out)
    return out.getvalue()


def nginx_binary() -> str:
    """The nginx executable; a missing one fails the test (scripts/test installs Debian's package)."""
    found = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if found is None:
        pytest.fail("nginx is not installed: run scripts/test, or apt-get install nginx")
    return found


def nginx_test(tmp_path: Path, config: str) -> None:
    """``nginx -t`` on a whole config with its prefix in tmp_path; its complaints fail the test."""
    for folder in ("logs", "tmp"):
        (tmp_path / folder).mkdir(exist_ok=True)
    (tmp_path / "nginx.conf").write_text(config)
    done = subprocess.run(
        [nginx_binary(), "-t", "-q", "-p", f"{tmp_path}/", "-e", str(tmp_path / "logs" / "error.log"),
         "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + config


def self_signed(folder: Path) -> Tls:
    """A throwaway certificate for 127.0.0.1, made by openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return Tls("127.0.0.1:18443", str(cert), str(key))


def test_the_committed_deploy_config_is_the_render() -> None:
    """deploy/nginx/parlor.conf cannot drift from the renderer (regenerate it with docs/cluster.md's command)."""
    assert DEPLOY.read_text() == nginx_conf(*DEPLOY_ARGS)


def test_rooms_are_hashed_pages_balanced_lanes_per_process() -> None:
    """The routing the cluster relies on: room and arena sockets by room, the rest least busy, one lane each."""
    text = render(PROCESSES)
    assert "map $uri $parlor_room {" in text
    assert "~^/ws/room/(?<r>[A-Za-z0-9_-]+)/ $r;" in text and '~^/ws/arena/ "main-arena";' in text
    rooms = text.split("upstream parlor_rooms {")[1].split("}")[0]
    app = text.split("upstream parlor_app {")[1].split("}")[0]
    servers = [
        "server 127.0.0.1:8101 max_fails=1 fail_timeout=2s;",
        "server 127.0.0.1:8102 max_fails=1 fail_timeout=2s;",
    ]
    assert "hash $parlor_room consistent;" in rooms and all(line in rooms for line in servers)
    assert "least_conn;" in app and all(line in app for line in servers)
    sockets = text.split("location ~ ^/ws/(room|arena)/ {")[1].split("}")[0]
    assert "proxy_pass http://parlor_rooms;" in sockets and "proxy_read_timeout 1h;" in sockets
    assert "proxy_pass http://parlor_app;" in text.split("location /ws/ {")[1].split("}")[0]
    assert "proxy_pass http://127.0.0.1:8111/;" in text.split("location /lane/p1/ {")[1].split("}")[0]
    assert "proxy_pass http://127.0.0.1:8112/;" in text.split("location /lane/p2/ {")[1].split("}")[0]
    for line in [
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_next_upstream error timeout;",
        "proxy_connect_timeout 2s;",
        "upstream=$upstream_addr",
    ]:
        assert line in text
    assert "ssl" not in text and "return 301" not in text and "/static/" not in text


def test_tls_serves_the_site_and_plain_http_only_redirects() -> None:
    """With TLS options the site moves to the HTTPS server (with HSTS); port 80 redirects, keeping a custom port."""
    text = render(PROCESSES, tls=Tls("8443", "/c/full.pem", "/c/key.pem"), static_root="/srv/static")
    secure, plain = text.split("server {")[1:]
    assert "listen 8443 ssl;" in secure and "ssl_certificate /c/full.pem;" in secure
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in secure and "Strict-Transport-Security" in secure
    assert "alias /srv/static/;" in secure and "expires" in secure
    assert plain.split() == [
        "listen",
        "80;",
        "server_name",
        "_;",
        "return",
        "301",
        "https://$host:8443$request_uri;",
        "}",
    ]
    assert "https://$host$request_uri;" in render(PROCESSES, tls=Tls("443", "/c/full.pem", "/c/key.pem"))


def test_bad_processes_and_options_are_refused() -> None:
    """Names become paths and hosts go into the config unquoted, so both are checked."""
    assert Process.parse("p1=10.0.0.5:8000:8001") == Process("p1", "10.0.0.5", 8000, 8001)
    for spec in ["p1", "p1=host:8000", "p 1=h:1:2", "p1=h:0:2", "p1=h;x:1:2", "=h:1:2"]:
        with pytest.raises(ValueError):
            Process.parse(spec)
    with pytest.raises(ValueError):
        render([])
    with pytest.raises(ValueError):
        render([PROCESSES[0], PROCESSES[0]])
    with pytest.raises(ValueError):
        render(PROCESSES, static_root="/srv/my static")
    with pytest.raises(CommandError, match="go together"):
        nginx_conf("--process", "p1=h:1:2", "--tls-listen", "443")
    with pytest.raises(CommandError, match="--prefix"):
        nginx_conf("--process", "p1=h:1:2", "--main")
    with pytest.raises(CommandError, match="NAME=HOST:PORT:LANE_PORT"):
        nginx_conf("--process", "p1=h:1")


def test_real_nginx_accepts_the_plain_config(tmp_path: Path) -> None:
    """The whole config as the cluster tests run it, checked by nginx itself."""
    nginx_test(tmp_path, render_main(PROCESSES, prefix=tmp_path, listen="127.0.0.1:18080", workers=1))


def test_real_nginx_accepts_the_tls_config_with_static_files(tmp_path: Path) -> None:
    """HTTPS with a real certificate, the redirect and /static/, as deploy/nginx/parlor.conf has them."""
    tls = self_signed(tmp_path)
    static = tmp_path / "static"
    static.mkdir()
    text = nginx_conf(
        "--main", "--prefix", str(tmp_path), "--workers", "1", "--listen", "127.0.0.1:18080",
        "--tls-listen", tls.listen, "--cert", tls.cert, "--key", tls.key, "--static-root", str(static),
        "--server-name", "example.org", "--process", "p1=127.0.0.1:8101:8111", "--process", "p2=127.0.0.1:8102:8112",
    )  # fmt: skip
    nginx_test(tmp_path, text)


def test_real_nginx_accepts_the_deploy_include(tmp_path: Path) -> None:
    """The committed include, inside a main config, with the compose service names pointed at loopback."""
    tls = self_signed(tmp_path)
    include = DEPLOY.read_text().replace("app1:", "127.0.0.1:").replace("app2:", "127.0.0.2:")
    include = include.replace("/etc/nginx/certs/fullchain.pem", tls.cert).replace(
        "/etc/nginx/certs/privkey.pem", tls.key
    )
    include = include.replace("listen 443 ssl;", "listen 127.0.0.1:18443 ssl;").replace(
        "listen 80;", "listen 127.0.0.1:18080;"
    )
    include = include.replace("/var/log/nginx/access.log", str(tmp_path / "logs" / "access.log"))
    (tmp_path / "parlor.conf").write_text(include)
    main = "\n".join([
        f"pid {tmp_path}/nginx.pid;", "events {}", "http {",
        *(f"{kind}_temp_path {tmp_path}/tmp/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")),
        f"include {tmp_path}/parlor.conf;", "}",
    ])  # fmt: skip
    nginx_test(tmp_path, main)
