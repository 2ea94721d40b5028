"""``manage.py nginx_conf --process p1=HOST:PORT:LANE_PORT ...``: print the nginx config for these processes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.ops.nginx import Process, Tls, render, render_main


class Command(BaseCommand):
    help = (
        "Print the nginx config that puts these Parlor processes behind one proxy: an http-level include, "
        "or with --main a whole nginx.conf (run it with nginx -c FILE -p PREFIX)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--process",
            action="append",
            required=True,
            metavar="NAME=HOST:PORT:LANE_PORT",
            help="one server process (repeat it); NAME is its PARLOR_PROCESS, its lane is /lane/NAME/",
        )
        parser.add_argument("--listen", default="80", help="plain HTTP port or address:port (default 80)")
        parser.add_argument("--tls-listen", help="HTTPS port or address:port; plain HTTP then redirects there")
        parser.add_argument("--cert", help="certificate chain file (PEM), with --tls-listen")
        parser.add_argument("--key", help="private key file (PEM), with --tls-listen")
        parser.add_argument("--static-root", help="serve /static/ from this directory (collectstatic's STATIC_ROOT)")
        parser.add_argument("--server-name", default="_", help="server_name (default _: any host)")
        parser.add_argument("--max-body", default="2m", help="client_max_body_size (default 2m)")
        parser.add_argument("--main", action="store_true", help="a whole nginx.conf instead of an include")
        parser.add_argument("--prefix", help="with --main: directory for the pid, logs and temporary files")
        parser.add_argument("--workers", default="auto", help="with --main: worker_processes (default auto)")

    def handle(self, *args: Any, **options: Any) -> None:
        tls_parts = (options["tls_listen"], options["cert"], options["key"])
        if any(tls_parts) and not all(tls_parts):
            raise CommandError("--tls-listen, --cert and --key go together.")
        if options["main"] and not options["prefix"]:
            raise CommandError("--main needs --prefix.")
        try:
            processes = [Process.parse(spec) for spec in options["process"]]
            site: dict[str, Any] = {
                "listen": options["listen"],
                "tls": Tls(*tls_parts) if all(tls_parts) else None,
                "static_root": options["static_root"],
                "server_name": options["server_name"],
                "max_body": options["max_body"],
            }
            if options["main"]:
                text = render_main(processes, prefix=options["prefix"], workers=options["workers"], **site)
            else:
                text = render(processes, **site)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(text, ending="")
