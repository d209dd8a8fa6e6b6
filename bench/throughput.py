#!/usr/bin/env python
"""Measure how many requests a second gunicorn serves of the filtered projects list.

    make bench-tools
    .venv/bin/python bench/throughput.py \
        --database-url postgres://postgres@127.0.0.1:5432/bench_1m

The ledger must already be in the database: bench/run.py generates it. gunicorn runs as in
production (DEBUG off, persistent database connections, sync workers, two by default) on
127.0.0.1, and wrk requests the list page that bench/run.py measures as its page 2 (a
sector, size=1yi, landed in 2024) as the superuser bench, first for a warm-up, then for
30 seconds. Any socket error or timeout, and any response other than 200 (a redirect to
the login page included), fails the run. See bench/README.md.
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import LANDED_2024, refuse_unsafe_target, write_results  # noqa: E402

LUA_SCRIPT = ROOT / "bench" / "throughput.lua"
GUNICORN_LOG = Path("/tmp/bench-throughput-gunicorn.log")
# Production's limit for one request: gunicorn's --timeout in deploy/jinyun-tracker.service
# and nginx's proxy_read_timeout. wrk's own default, 2 s, would count a slow page as an
# error and clip the latency histogram at 2 s.
REQUEST_TIMEOUT = 60
# Two connections a worker: each worker has a request waiting when it finishes one, even
# while wrk, sharing the CPUs, waits for its turn; more would only lengthen the queue, and
# the latency with it (see bench/README.md).
DEFAULTS = {"duration": 30, "warmup": 5, "workers": 2, "threads": 2, "connections": 4}
# What deploy/nginx.conf tells gunicorn of a request that came over HTTPS: with it, the
# production settings (HTTPS redirect, secure cookies) stay as they are.
FORWARDED_HTTPS = "X-Forwarded-Proto: https"


@dataclass
class WrkSummary:
    """What wrk counted over one run; times in microseconds, as wrk keeps them."""

    requests: int
    duration_us: int
    bytes: int
    connect: int
    read: int
    write: int
    timeout: int
    not_200: int
    p50_us: int
    p90_us: int
    p99_us: int
    max_us: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / (self.duration_us / 1_000_000)

    @property
    def errors(self) -> int:
        """Socket errors, timeouts and responses other than 200: those of 400 and above,
        which wrk counts itself, and the rest, which the Lua script counts."""
        return self.connect + self.read + self.write + self.timeout + self.not_200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", required=True, help="a benchmark database filled by bench/run.py"
    )
    parser.add_argument("--duration", type=int, default=DEFAULTS["duration"], help="seconds")
    parser.add_argument(
        "--warmup", type=int, default=DEFAULTS["warmup"], help="seconds, not measured"
    )
    parser.add_argument("--workers", type=int, default=DEFAULTS["workers"], help="gunicorn's")
    parser.add_argument("--threads", type=int, default=DEFAULTS["threads"], help="wrk's")
    parser.add_argument(
        "--connections", type=int, default=DEFAULTS["connections"], help="wrk's, all open"
    )
    args = parser.parse_args()
    refuse_unsafe_target(args.database_url)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run `make bench-tools` (apt-get install -y wrk)")
    # A SIGTERM would otherwise end Python without the finally clause that stops gunicorn.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    load_before = os.getloadavg()

    os.environ.update(server_environment(args.database_url))
    os.chdir(ROOT)
    import django

    django.setup()
    engine, projects = ledger_size(args.database_url)
    path, first_row, matching = filtered_list()
    headers = [f"Cookie: {session_cookie()}", FORWARDED_HTTPS]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with gunicorn(args.workers, port) as server:
        wait_until_healthy(server, port)
        check_list(port, path, headers, first_row)
        print(f"Warming up for {args.warmup}s: {base}{path}", flush=True)
        warmup, _output = run_wrk(args, base + path, headers, args.warmup)
        print(f"Measuring for {args.duration}s …", flush=True)
        measured, output = run_wrk(args, base + path, headers, args.duration)
        load_after = os.getloadavg()
    print(output)

    text = report(
        args, engine, projects, (load_before, load_after), path, matching, warmup, measured
    )
    print(text)
    if warmup.errors or measured.errors:
        sys.exit(f"errors: the results are not written; see {GUNICORN_LOG}")
    options = {name: getattr(args, name) for name in DEFAULTS}
    suffix = "" if options == DEFAULTS else "-partial"
    write_results(f"results-throughput-{engine}-{projects}{suffix}.md", text)


def server_environment(database_url: str) -> dict[str, str]:
    """The environment production gives gunicorn (deploy/jinyun-tracker.env.example), with a
    secret key made for this run. This process takes it too: the session it creates for wrk
    is signed with the server's key. bench.settings serves static files from the apps, so
    no collectstatic is needed."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "60",
    }


def ledger_size(database_url: str) -> tuple[str, int]:
    """The engine and the number of projects; a database without a ledger is refused rather
    than created, since bench/run.py may be generating it at this moment."""
    from django.db import DatabaseError, connection

    from projects.models import InvestmentProject

    missing = f"no ledger in {database_url}: generate it with bench/run.py first"
    if connection.vendor == "sqlite" and not Path(connection.settings_dict["NAME"]).exists():
        sys.exit(missing)
    try:
        projects = InvestmentProject.objects.count()
    except DatabaseError as error:
        sys.exit(f"{missing} ({error})")
    if projects == 0:
        sys.exit(missing)
    return connection.vendor, projects


def filtered_list() -> tuple[str, str, int]:
    """The URL of bench/run.py's page 2, its sector chosen the same way; the name of the
    list's first row (newest landed first), which the page must show; and how many
    projects match."""
    from django.db.models import F

    from projects.models import InvestmentProject, Sector

    sector = Sector.objects.filter(name="短途交通").first() or Sector.objects.first()
    landed_from, landed_to = LANDED_2024
    matching = InvestmentProject.objects.filter(
        sector=sector,
        total_investment_wan__gte=10000,
        landed_date__gte=landed_from,
        landed_date__lte=landed_to,
    )
    first = matching.order_by(F("landed_date").desc(nulls_last=True), "-pk").first()
    if first is None:
        sys.exit(f"no project of {sector.name} of 1 亿元 or more landed in 2024")
    query = {
        "sector": sector.pk,
        "size": "1yi",
        "landed_after": landed_from,
        "landed_before": landed_to,
    }
    return "/projects/?" + urlencode(query), first.name, matching.count()


def session_cookie() -> str:
    """A logged-in session of the superuser bench, saved in the database as a login would
    save it: the login form needs a CSRF token and a password, and django-axes would lock
    out a script that got them wrong. The user is created as bench/run.py creates it."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = get_user_model()
    user = users.objects.filter(username="bench").first() or users.objects.create_superuser(
        "bench", "bench@example.invalid", None
    )
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def free_port() -> int:
    """A port nothing listens on now, so that the run does not collide with a dev server or
    the production unit's 8000."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(
    workers: int, port: int, checkout: Path = ROOT, log_path: Path = GUNICORN_LOG
) -> Iterator[subprocess.Popen]:
    """gunicorn started as deploy/jinyun-tracker.service starts it, serving the code of
    ``checkout``, and stopped gracefully (then killed, if it lingers) whatever happens
    meanwhile."""
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "jinyun_tracker.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                str(REQUEST_TIMEOUT),
                "--access-logfile",
                "-",
                "--error-logfile",
                "-",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=checkout,
        )
    try:
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def fetch(port: int, path: str, headers: list[str]) -> tuple[int, str, str]:
    """One plain request, redirects not followed: the status, the Location and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path, headers=dict(h.split(": ", 1) for h in headers))
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return response.status, response.getheader("Location", ""), body
    finally:
        connection.close()


def fail(message: str, log_path: Path = GUNICORN_LOG) -> NoReturn:
    """Stop with the message and the end of gunicorn's log, where the reason usually is."""
    tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
    sys.exit("\n".join([message, f"last lines of {log_path}:", *tail]))


def wait_until_healthy(server: subprocess.Popen, port: int, log_path: Path = GUNICORN_LOG) -> None:
    """Wait for /healthz, which answers once a worker is up and the database answers."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"gunicorn exited with status {server.returncode}", log_path)
        try:
            if fetch(port, "/healthz", [FORWARDED_HTTPS])[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    fail("gunicorn did not answer /healthz within 30 s", log_path)


def check_list(port: int, path: str, headers: list[str], first_row: str) -> None:
    """Before wrk counts anything: the session works and the page is the filtered list."""
    from django.utils.html import escape

    status, location, body = fetch(port, path, headers)
    if status != 200:
        fail(f"{path} answered {status} {location}".rstrip())
    if escape(first_row) not in body:
        fail(f"{path} does not show the filtered list's first row, {first_row}")


def run_wrk(args, url: str, headers: list[str], seconds: int) -> tuple[WrkSummary, str]:
    """wrk's summary, and its own report for the reader."""
    command = ["wrk", "--latency", "-t", str(args.threads), "-c", str(args.connections)]
    command += ["-d", f"{seconds}s", "--timeout", f"{REQUEST_TIMEOUT}s", "-s", str(LUA_SCRIPT)]
    for header in headers:
        command += ["-H", header]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    lines = done.stdout.splitlines()
    summary = [line for line in lines if line.startswith("THROUGHPUT ")]
    if done.returncode != 0 or not summary:
        fail(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    text = "\n".join(line for line in lines if not line.startswith("THROUGHPUT "))
    return WrkSummary(**json.loads(summary[0].removeprefix("THROUGHPUT "))), text


def report(
    args,
    engine: str,
    projects: int,
    loads: tuple[tuple[float, float, float], tuple[float, float, float]],
    path: str,
    matching: int,
    warmup: WrkSummary,
    measured: WrkSummary,
) -> str:
    """The run as a markdown table: what was measured, on what, and in what conditions,
    so that two tables can be told apart."""
    import gunicorn as gunicorn_package
    from django.db import connection

    def load(averages: tuple[float, float, float]) -> str:
        return " / ".join(f"{average:.2f}" for average in averages)

    def ms(microseconds: int) -> str:
        value = microseconds / 1000
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"

    if engine == "postgresql":
        engine_version = f"PostgreSQL {connection.pg_version // 10000}"
    else:
        import sqlite3

        engine_version = f"SQLite {sqlite3.sqlite_version}"
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
    errors = (
        f"{measured.errors} (connect {measured.connect}, read {measured.read}, write "
        f"{measured.write}, timeout {measured.timeout}; responses other than 200: "
        f"{measured.not_200}); warm-up: {warmup.errors}"
    )
    rows = [
        ("date", str(date.today())),
        (
            "machine",
            f"{os.cpu_count()} CPUs; load average (1 / 5 / 15 min) {load(loads[0])} before "
            f"the run, {load(loads[1])} at its end",
        ),
        ("database", f"{engine_version}, {projects:,} generated projects"),
        ("code", code_version()),
        (
            "server",
            f"gunicorn {gunicorn_package.__version__}, {args.workers} sync workers on "
            "127.0.0.1, DEBUG off, CONN_MAX_AGE 60, access log on",
        ),
        (
            "client",
            f"wrk {wrk_version}, {args.threads} threads, {args.connections} connections, "
            f"{args.duration} s after a {args.warmup} s warm-up, timeout {REQUEST_TIMEOUT} s; "
            "superuser session",
        ),
        ("URL", f"`{path}` ({matching:,} projects match)"),
        ("requests", f"{measured.requests:,} ({measured.bytes / 1e6:,.1f} MB)"),
        ("requests/s", f"{measured.requests_per_second:.1f}"),
        (
            "latency ms: median / p90 / p99 / max",
            f"{ms(measured.p50_us)} / {ms(measured.p90_us)} / {ms(measured.p99_us)} "
            f"/ {ms(measured.max_us)}",
        ),
        ("errors", errors),
    ]
    lines = [
        f"# Throughput: {engine}, {projects:,} generated projects",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in rows),
    ]
    return "\n".join(lines) + "\n"


def code_version() -> str:
    """The commit measured, and the app's files that differed from it."""

    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", *arguments], capture_output=True, text=True, cwd=ROOT, check=False
        ).stdout

    status = git("status", "--porcelain", "--", "projects", "jinyun_tracker")
    changed = [line[3:] for line in status.splitlines()]
    version = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    if changed:
        version += f", with uncommitted changes to {', '.join(changed)}"
    return version


if __name__ == "__main__":
    main()
