#!/usr/bin/env python
"""Measure how many requests a second gunicorn serves, by worker class and connections.

    make bench-tools
    .venv/bin/python bench/throughput.py \
        --database-url postgres://postgres@127.0.0.1:5432/bench_1m

The ledger must already be in the database: bench/run.py generates it. Two gunicorns run
side by side as in production (DEBUG off, persistent database connections, two workers
each), one with sync workers and one with threaded (gthread) workers, on 127.0.0.1. wrk
requests, as a staff user of the Viewer role, the filtered projects list that bench/run.py
measures as its page 2 (a sector, size=1yi, landed in 2024) and the dashboard for 2025, at
1, 4 and 16 connections: each round runs every (page, connections, worker class) once, in a
new random order, a short warm-up before each measurement. Any socket error or timeout, and
any response other than 200 (a redirect to the login page included), fails the run. See
bench/README.md.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import LANDED_2024, refuse_unsafe_target, viewer_client, write_results  # noqa: E402

LUA_SCRIPT = ROOT / "bench" / "throughput.lua"
GUNICORN_LOG = Path("/tmp/bench-throughput-gunicorn.log")
# Production's limit for one request: gunicorn's --timeout in deploy/jinyun-tracker.service
# and nginx's proxy_read_timeout. wrk's own default, 2 s, would count a slow page as an
# error and clip the latency histogram at 2 s.
REQUEST_TIMEOUT = 60
# What deploy/nginx.conf tells gunicorn of a request that came over HTTPS: with it, the
# production settings (HTTPS redirect, secure cookies) stay as they are.
FORWARDED_HTTPS = "X-Forwarded-Proto: https"
DEFAULTS = {
    "duration": 30,
    "warmup": 5,
    "rounds": 2,
    "workers": 2,
    "threads": 4,
    "connections": "1,4,16",
    "pages": "list,dashboard",
}
# gunicorn's options for each worker class compared; gthread's threads per worker come
# from --threads.
WORKER_CLASSES = ("sync", "gthread")


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


@dataclass(frozen=True)
class Target:
    """A page wrk asks for, and a text its answer must hold to be that page."""

    name: str
    path: str
    must_show: str
    note: str


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", required=True, help="a benchmark database filled by bench/run.py"
    )
    parser.add_argument("--duration", type=int, default=DEFAULTS["duration"], help="seconds")
    parser.add_argument(
        "--warmup", type=int, default=DEFAULTS["warmup"], help="seconds before each measurement"
    )
    parser.add_argument("--rounds", type=int, default=DEFAULTS["rounds"], help="of every run")
    parser.add_argument("--workers", type=int, default=DEFAULTS["workers"], help="gunicorn's")
    parser.add_argument(
        "--threads", type=int, default=DEFAULTS["threads"], help="of each gthread worker"
    )
    parser.add_argument(
        "--connections", default=DEFAULTS["connections"], help="wrk's, comma-separated"
    )
    parser.add_argument(
        "--pages", default=DEFAULTS["pages"], help="comma-separated: list, dashboard"
    )
    args = parser.parse_args()
    connections = [int(count) for count in args.connections.split(",")]
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
    from django.conf import settings

    engine, projects = ledger_size(args.database_url)
    choices = {"list": filtered_list, "dashboard": dashboard}
    targets = [choices[name]() for name in args.pages.split(",")]
    cookie = viewer_client().cookies[settings.SESSION_COOKIE_NAME].value
    headers = [f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}", FORWARDED_HTTPS]

    runs = [
        (target, count, worker_class)
        for target in targets
        for count in connections
        for worker_class in WORKER_CLASSES
    ]
    results: dict[tuple, list[WrkSummary]] = {run: [] for run in runs}
    with ExitStack() as stack:
        servers = {}
        for worker_class in WORKER_CLASSES:
            port = free_port()
            log = GUNICORN_LOG.with_name(f"{GUNICORN_LOG.stem}-{worker_class}.log")
            options = worker_options(worker_class, args.threads)
            server = stack.enter_context(
                gunicorn(args.workers, port, log_path=log, options=options)
            )
            wait_until_healthy(server, port, log)
            for target in targets:
                check_page(port, target, headers, log)
                prime(f"http://127.0.0.1:{port}{target.path}", headers, args, log)
                drain(server, log)
            servers[worker_class] = (server, port, log)
        for round_number in range(1, args.rounds + 1):
            random.shuffle(runs)
            for number, (target, count, worker_class) in enumerate(runs, 1):
                server, port, log = servers[worker_class]
                url = f"http://127.0.0.1:{port}{target.path}"
                print(
                    f"round {round_number}/{args.rounds}, run {number}/{len(runs)}: "
                    f"{target.name}, {count} connections, {worker_class}",
                    flush=True,
                )
                run_wrk(url, headers, count, args.warmup, log)
                drain(server, log)
                measured = run_wrk(url, headers, count, args.duration, log)
                drain(server, log)
                if measured.errors:
                    fail(f"{measured.errors} errors: {measured}", log)
                if not measured.requests:
                    fail(f"no request answered in {args.duration} s: raise --duration", log)
                print(
                    f"    {measured.requests_per_second:.1f} requests/s, latency median "
                    f"{measured.p50_us / 1000:.1f} ms, p99 {measured.p99_us / 1000:.1f} ms",
                    flush=True,
                )
                results[(target, count, worker_class)].append(measured)
        load_after = os.getloadavg()

    text = report(args, engine, projects, (load_before, load_after), targets, connections, results)
    print(text)
    options = {name: getattr(args, name) for name in DEFAULTS}
    suffix = "" if options == DEFAULTS else "-partial"
    write_results(f"results-throughput-{engine}-{projects}{suffix}.md", text)


def worker_options(worker_class: str, threads: int) -> list[str]:
    """gunicorn's options for a worker class: sync, gunicorn's default, or gthread, as the
    service runs, with ``threads`` threads a worker."""
    if worker_class == "sync":
        return []
    return ["--worker-class", "gthread", "--threads", str(threads)]


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


def filtered_list() -> Target:
    """bench/run.py's page 2, its sector chosen the same way; its answer must show the
    list's first row (newest landed first)."""
    from django.db.models import F
    from django.utils.html import escape

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
    return Target(
        "filtered list",
        "/projects/?" + urlencode(query),
        escape(first.name),
        f"{matching.count():,} projects match",
    )


def dashboard() -> Target:
    """The dashboard for 2025, landed, 亿元以上, as bench/run.py measures it; its answer must
    show the count of those projects on its first card."""
    from django.utils.formats import number_format

    from projects.models import InvestmentProject

    counted = InvestmentProject.objects.filter(
        landed_date__year=2025, total_investment_wan__gte=10000
    ).count()
    query = {"start": "2025-01-01", "end": "2025-12-31", "basis": "landed", "size": "1yi"}
    return Target(
        "dashboard",
        "/?" + urlencode(query),
        f'data-figure="count">{number_format(counted, force_grouping=True)}</a>',
        f"{counted:,} projects counted",
    )


def free_port() -> int:
    """A port nothing listens on now, so that the run does not collide with a dev server or
    the production unit's 8000."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(
    workers: int,
    port: int,
    checkout: Path = ROOT,
    log_path: Path = GUNICORN_LOG,
    options: Sequence[str] = (),
) -> Iterator[subprocess.Popen]:
    """gunicorn started as deploy/jinyun-tracker.service starts it, with ``options`` for its
    worker class, serving the code of ``checkout``, and stopped gracefully (then killed, if
    it lingers) whatever happens meanwhile."""
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
                *options,
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


def check_page(port: int, target: Target, headers: list[str], log_path: Path) -> None:
    """Before wrk counts anything: the session works and the page is the one meant."""
    status, location, body = fetch(port, target.path, headers)
    if status != 200:
        fail(f"{target.path} answered {status} {location}".rstrip(), log_path)
    if target.must_show not in body:
        fail(f"{target.path} does not show {target.must_show}", log_path)


def drain(server: subprocess.Popen, log: Path) -> None:
    """Wait until the server has served what wrk left behind: wrk stops at its deadline
    with a request outstanding on each connection, which the workers still serve (a sync
    worker does not notice that the client has gone) and which would otherwise weigh on
    the next run. The server is idle when, for a second, its workers use no CPU (a tick or
    two for their heartbeat) and no query of this database is active."""
    from django.db import connection

    def busy_ticks() -> int:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        ticks = 0
        for child in children:
            try:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:  # a worker restarted meanwhile
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks

    def active_queries() -> int:
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    deadline = time.monotonic() + 10 * REQUEST_TIMEOUT
    while time.monotonic() < deadline:
        before = busy_ticks()
        time.sleep(1)
        if busy_ticks() - before <= 2 and not active_queries():
            return
    fail("the server was still busy 10 minutes after wrk stopped", log)


def prime(url: str, headers: list[str], args, log: Path) -> None:
    """Send every worker thread its first requests, which import, compile templates and
    connect to the database, and take seconds: a run of a few connections stays on the
    workers it first reached and would meet a cold one only when it reconnects."""
    connections = 2 * args.workers * max(args.threads, 1)
    print(f"Priming {url} with {connections} connections …", flush=True)
    run_wrk(url, headers, connections, 3 * args.warmup, log)


def run_wrk(url: str, headers: list[str], connections: int, seconds: int, log: Path) -> WrkSummary:
    """wrk's summary of ``seconds`` at ``connections`` connections, on as many threads as
    there are connections and CPUs."""
    threads = min(connections, os.cpu_count() or 1)
    command = ["wrk", "--latency", "-t", str(threads), "-c", str(connections)]
    command += ["-d", f"{seconds}s", "--timeout", f"{REQUEST_TIMEOUT}s", "-s", str(LUA_SCRIPT)]
    for header in headers:
        command += ["-H", header]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    summary = [line for line in done.stdout.splitlines() if line.startswith("THROUGHPUT ")]
    if done.returncode != 0 or not summary:
        fail(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}", log)
    return WrkSummary(**json.loads(summary[0].removeprefix("THROUGHPUT ")))


def report(
    args,
    engine: str,
    projects: int,
    loads: tuple[tuple[float, float, float], tuple[float, float, float]],
    targets: list[Target],
    connections: list[int],
    results: dict[tuple, list[WrkSummary]],
) -> str:
    """The runs as markdown: what was measured, on what and in what conditions, then for
    each page and number of connections each worker class's requests a second and
    latencies (the median over the rounds of each figure) and gthread's ratio to sync."""
    import gunicorn as gunicorn_package
    from django.db import connection

    def load(averages: tuple[float, float, float]) -> str:
        return " / ".join(f"{average:.2f}" for average in averages)

    def ms(microseconds: float) -> str:
        value = microseconds / 1000
        return f"{value:.1f}" if value < 100 else f"{value:,.0f}"

    def median(runs: list[WrkSummary], figure: str) -> float:
        return statistics.median(getattr(run, figure) for run in runs)

    if engine == "postgresql":
        engine_version = f"PostgreSQL {connection.pg_version // 10000}"
    else:
        import sqlite3

        engine_version = f"SQLite {sqlite3.sqlite_version}"
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
    conditions = [
        ("date", str(date.today())),
        (
            "machine",
            f"{os.cpu_count()} CPUs; load average (1 / 5 / 15 min) {load(loads[0])} before "
            f"the runs, {load(loads[1])} at their end",
        ),
        ("database", f"{engine_version}, {projects:,} generated projects"),
        ("code", code_version()),
        (
            "servers",
            f"gunicorn {gunicorn_package.__version__}, {args.workers} workers each: sync, and "
            f"gthread with {args.threads} threads a worker; 127.0.0.1, DEBUG off, "
            "CONN_MAX_AGE 60, access log on",
        ),
        (
            "client",
            f"wrk {wrk_version}, one thread a connection up to one a CPU, {args.duration} s "
            f"after a {args.warmup} s warm-up, {args.rounds} rounds in random order, timeout "
            f"{REQUEST_TIMEOUT} s; session of a Viewer; no errors, no response other than 200",
        ),
        *((target.name, f"`{target.path}` ({target.note})") for target in targets),
    ]
    lines = [
        f"# Throughput by worker class: {engine}, {projects:,} generated projects",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in conditions),
        "",
        "Requests a second and latency in ms (median / p99), each the median of the rounds.",
        "",
        "| page | connections | sync req/s | sync latency | gthread req/s | gthread latency "
        "| gthread ÷ sync req/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for target in targets:
        for count in connections:
            sync, threaded = (results[(target, count, name)] for name in WORKER_CLASSES)
            rates = [median(runs, "requests_per_second") for runs in (sync, threaded)]
            cells = [
                f"{rate:.1f} | {ms(median(runs, 'p50_us'))} / {ms(median(runs, 'p99_us'))}"
                for rate, runs in zip(rates, (sync, threaded), strict=True)
            ]
            lines.append(
                f"| {target.name} | {count} | {cells[0]} | {cells[1]} | "
                f"{rates[1] / rates[0]:.2f}× |"
            )
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
