"""Production settings and the files that deploy them (Dockerfile, docker-compose.yml, .env.example).

Settings are loaded in subprocesses: each variant needs a fresh import, and this suite runs on the test settings.
The compose file is checked as data, since this machine has no Docker engine to run it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "REDIS_URL")
COMPLETE = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "play.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://play.example.com",
    "DATABASE_URL": "postgres://parlor:secret@postgres:5432/parlor",
    "REDIS_URL": "redis://redis:6379/0",
}
OURS = {*REQUIRED, "DEBUG", "LOG_FORMAT", "STATIC_ROOT", "DJANGO_SETTINGS_MODULE", "PARLOR_PROCESS", "REDIS_PREFIX"}
SHOW = """
import json, config.settings.{module} as s
flags = ["DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
         "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "WHITENOISE_USE_FINDERS"]
print(json.dumps({{
    **{{name: getattr(s, name, None) for name in flags}},
    "formatter": s.LOGGING["handlers"]["console"]["formatter"],
    "engine": s.DATABASES["default"]["ENGINE"], "layer": s.CHANNEL_LAYERS["default"]["BACKEND"],
    "first_middleware": s.MIDDLEWARE[0], "STATIC_ROOT": str(s.STATIC_ROOT),
    "storage": getattr(s, "STORAGES", {{}}).get("staticfiles", {{}}).get("BACKEND"),
}}))
"""


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run Python in the project with only ``env`` as Parlor's configuration."""
    clean = {name: value for name, value in os.environ.items() if name not in OURS and not name.startswith("SECURE_")}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def load(env: dict[str, str], module: str = "production") -> dict[str, Any]:
    """The settings ``config.settings.<module>`` computes from ``env``."""
    done = run(["-c", SHOW.format(module=module)], env)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def refusal(env: dict[str, str]) -> str:
    """The ImproperlyConfigured message production refuses ``env`` with."""
    done = run(["-c", "import config.settings.production"], env)
    assert done.returncode != 0, "production accepted it"
    assert "ImproperlyConfigured" in done.stderr, done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_a_complete_environment_gives_a_locked_down_site() -> None:
    settings = load({**COMPLETE, "STATIC_ROOT": "/srv/static"})
    assert settings["DEBUG"] is False and settings["ALLOWED_HOSTS"] == ["play.example.com"]
    assert settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert settings["SECURE_SSL_REDIRECT"] and settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    assert settings["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert settings["formatter"] == "json"
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["layer"] == "channels_redis.core.RedisChannelLayer"
    assert settings["first_middleware"] == "core.ops.health.ProbeMiddleware"
    assert settings["WHITENOISE_USE_FINDERS"] is False and settings["STATIC_ROOT"] == "/srv/static"
    assert settings["storage"] == "whitenoise.storage.CompressedStaticFilesStorage"  # no manifest: see production.py


@pytest.mark.parametrize("name", REQUIRED)
def test_each_required_variable_is_named_when_missing(name: str) -> None:
    env = {key: value for key, value in COMPLETE.items() if key != name}
    assert f"{name} is not set" in refusal(env)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"SECRET_KEY": "dev-only-insecure-key-change-me-for-any-deployment"}, "SECRET_KEY is the development default"),
        ({"DEBUG": "1"}, "DEBUG must be 0"),
        ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "DATABASE_URL must be a postgres:// URL"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS must name the site's hosts"),
    ],
)
def test_development_values_are_refused(change: dict[str, str], expected: str) -> None:
    assert expected in refusal({**COMPLETE, **change})


def test_the_run_command_keeps_its_embedded_defaults() -> None:
    """config.settings.dev with an empty environment: debug, SQLite, in-memory layer, plain logs, no probe shortcut."""
    settings = load({}, module="dev")
    assert settings["DEBUG"] is True and settings["formatter"] == "plain"
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["layer"] == "channels.layers.InMemoryChannelLayer"
    assert settings["first_middleware"] == "django.middleware.security.SecurityMiddleware"
    assert settings["WHITENOISE_USE_FINDERS"] is True and settings["storage"] is None


def test_check_deploy_passes() -> None:
    """Django's deployment checklist, warnings included, on production settings (services need not be up)."""
    done = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**COMPLETE, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


# docker-compose.yml, the Dockerfile and .env.example

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def dotenv(path: Path) -> dict[str, str]:
    """KEY=value lines, as compose reads an env file (no quotes or inline comments are used in ours)."""
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line.strip() and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def interpolate(text: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}; a required one unset fails like compose."""

    def value(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        current = variables.get(name, "")
        if op in (":?", "?") and not current:
            raise AssertionError(f"compose would stop: {arg}")
        return current or (arg if op in (":-", "-") else "")

    return VARIABLE.sub(value, text)


def filled_env_file() -> dict[str, str]:
    """.env.example with the two secrets an operator must fill in."""
    variables = dotenv(ROOT / ".env.example")
    assert variables["SECRET_KEY"] == "" and variables["POSTGRES_PASSWORD"] == ""  # never a usable default
    return {**variables, "SECRET_KEY": secrets.token_urlsafe(50), "POSTGRES_PASSWORD": secrets.token_hex(24)}


def container_env(service: str, variables: dict[str, str]) -> dict[str, str]:
    """What a service's container sees: its env_file (.env), then its environment, interpolated."""
    spec = SERVICES[service]
    env = dict(variables) if spec.get("env_file") == ".env" else {}
    env.update({key: interpolate(str(value), variables) for key, value in spec.get("environment", {}).items()})
    return env


def test_compose_has_the_services_and_their_order() -> None:
    assert set(SERVICES) == {"postgres", "redis", "migrate", "static", "app1", "app2", "nginx"}
    assert SERVICES["postgres"]["image"] == "postgres:15" and "healthcheck" in SERVICES["postgres"]
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in SERVICES["postgres"]["volumes"])
    assert SERVICES["redis"]["image"] == "redis:7" and "healthcheck" in SERVICES["redis"]
    assert SERVICES["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("app1", "app2"):
        app = SERVICES[name]
        assert app["image"] == SERVICES["migrate"]["image"] == SERVICES["static"]["image"]
        assert app["restart"] == "unless-stopped" and "ports" not in app and "command" not in app
        assert app["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    nginx = SERVICES["nginx"]
    assert nginx["image"].startswith("nginx:1.")
    assert set(nginx["volumes"]) == {
        "./deploy/nginx/parlor.conf:/etc/nginx/conf.d/default.conf:ro",
        "./deploy/certs:/etc/nginx/certs:ro",
        "static:/srv/static:ro",
    }
    assert nginx["depends_on"]["static"] == {"condition": "service_completed_successfully"}
    assert SERVICES["static"]["volumes"] == ["static:/publish"]


def test_apps_get_every_required_variable_and_their_own_lane() -> None:
    variables = filled_env_file()
    for name in ("app1", "app2"):
        env = container_env(name, variables)
        assert all(env.get(key) for key in REQUIRED), name
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["PARLOR_PROCESS"] == name
        assert env["PARLOR_LANE_URL"] == f"wss://play.example.com/lane/{name}"
        assert env["DATABASE_URL"] == f"postgres://parlor:{variables['POSTGRES_PASSWORD']}@postgres:5432/parlor"
    assert container_env("migrate", variables)["DATABASE_URL"] == container_env("app1", variables)["DATABASE_URL"]


def test_compose_stops_early_without_the_secrets() -> None:
    with pytest.raises(AssertionError, match="set POSTGRES_PASSWORD in .env"):
        container_env("app1", dotenv(ROOT / ".env.example"))


def test_an_app_container_environment_passes_check_deploy() -> None:
    """app1's environment as compose builds it (plus the image's ENV) satisfies production and its checklist."""
    env = {**container_env("app1", filled_env_file()), "STATIC_ROOT": "/srv/static"}
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_docker_stop_waits_longer_than_the_server_drains() -> None:
    """docker stop sends SIGTERM and kills at stop_grace_period: that must exceed uvicorn's graceful timeout."""
    serve = (ROOT / "scripts" / "serve").read_text()
    match = re.search(r'--timeout-graceful-shutdown "\$\{GRACEFUL_TIMEOUT:-(\d+)\}"', serve)
    assert match is not None
    for name in ("app1", "app2"):
        grace = SERVICES[name]["stop_grace_period"]
        assert grace.endswith("s") and int(grace[:-1]) >= int(match[1]) + 10
    assert "--proxy-headers" in serve and '"${HOST:-0.0.0.0}"' in serve


def test_the_image_runs_scripts_serve_and_checks_healthz() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# syntax=docker/dockerfile:1") and "python:3.11-slim" in dockerfile
    bootstrap_uv = re.search(r"UV_VERSION=(\S+)", (ROOT / "scripts" / "bootstrap").read_text())
    assert bootstrap_uv is not None and f"UV_VERSION={bootstrap_uv[1]} " in dockerfile
    assert "uv sync --frozen --no-dev" in dockerfile and "collectstatic --noinput" in dockerfile
    assert "\nUSER parlor\n" in dockerfile and "EXPOSE 8000 8001" in dockerfile
    healthcheck = re.search(r"\n    CMD (\[.*\])\n", dockerfile)
    assert healthcheck is not None and "/healthz" in json.loads(healthcheck[1])[-1]
    assert dockerfile.rstrip().endswith('CMD ["scripts/serve"]')
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".venv", ".env", ".git", "db.sqlite3*", "deploy/certs"} <= set(ignored)


def test_collectstatic_as_the_image_runs_it(tmp_path: Path) -> None:
    """The build step works without services and keeps module names, so "./lane.js" imports still resolve."""
    env = {**COMPLETE, "DJANGO_SETTINGS_MODULE": "config.settings.production", "STATIC_ROOT": str(tmp_path)}
    done = run(["manage.py", "collectstatic", "--noinput"], env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "arena" / "lane.js").is_file() and (tmp_path / "arena" / "lane.js.gz").is_file()
    assert not list(tmp_path.glob("staticfiles.json"))
