"""Public portal speed: gunicorn (2 sync workers) on a loopback port chosen at run time, 20 concurrent clients.

Cases: `home`, `directive`, `search` (pages of the demo content, served through the page cache like anonymous
readers get them) against `bare`, a Django view returning HttpResponse("ok") through the same middleware, in the
same run. Also reports each page's database queries with a cold cache and with a warm one.

    .venv/bin/python benchmarks/pages.py [--requests 3000]

Prints a JSON line last: {"benchmark": "pages", "results": [...], "queries": {...}}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = 20
CASES = {
    "bare": "/__bench__/bare/",
    "home": "/",
    "directive": "/van-ban-chi-dao-dieu-hanh/chi-thi-28/",
    "search": "/search/?q=hang+cam",
}


# --- the served application: the project's URLs plus one bare view ---------------------------------


def bare(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def _urlpatterns():
    from django.urls import include, path

    return [path("__bench__/bare/", bare), path("", include("config.urls"))]


def application():
    """gunicorn entry point: `pages:application()`."""
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    settings.ROOT_URLCONF = "pages"
    return app


def __getattr__(name: str):
    # Built on first use inside gunicorn (Django configured), never when this file runs as the benchmark.
    if name == "urlpatterns":
        globals()["urlpatterns"] = patterns = _urlpatterns()
        return patterns
    raise AttributeError(name)


# --- load generation ---------------------------------------------------------------------------------


async def _one(port: int, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data[9:12]) if data[:5] == b"HTTP/" else 0
    return (time.perf_counter() - start) * 1000, status


async def _run(port: int, path: str, n: int) -> dict:
    latencies: list[float] = []
    errors = 0
    remaining = iter(range(n))

    async def client() -> None:
        nonlocal errors
        for _ in remaining:
            ms, status = await _one(port, path)
            latencies.append(ms)
            errors += status != 200

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "n": n,
        "errors": errors,
        "rps": round(n / elapsed, 1),
        "median_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not listen on {port}")


# --- set-up: a fresh SQLite database with the demo content ---------------------------------------------


def _prepare(env: dict) -> dict:
    """Migrate and load the cms demo in a child process; return the query counts per page."""
    code = """
import io, json
import django
django.setup()
from django.core.management import call_command
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
call_command("migrate", verbosity=0, skip_checks=True)
from core import demo as core_demo
from cms import demo as cms_demo
core_demo.load(io.StringIO())
cms_demo.load(io.StringIO())
counts = {}
client = Client(HTTP_HOST="127.0.0.1")
for name, path in json.loads('CASES_JSON').items():
    if name == "bare":
        continue
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(path).status_code == 200, path
    with CaptureQueriesContext(connection) as warm:
        client.get(path)
    counts[name] = {"cold_cache": len(cold), "warm_cache": len(warm)}
print(json.dumps(counts))
""".replace("CASES_JSON", json.dumps(CASES))
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"preparing the benchmark database failed:\n{proc.stderr[-3000:]}")
    out = proc.stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000, help="requests per case (bounded loop)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vanthu-bench-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "STATIC_ROOT": f"{tmp}/static",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'benchmarks'}",
        }
        Path(tmp, "static").mkdir()
        queries = _prepare(env)
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "pages:application()",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--worker-class",
                "sync",
                "--backlog",
                "256",
                "--log-level",
                "warning",
                "--chdir",
                str(ROOT),
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            _wait_for(port)
            results: dict[str, dict] = {}
            for path in CASES.values():
                asyncio.run(_run(port, path, 200))  # warm-up: imports, templates, the page cache
            # Interleaved rounds; each case keeps its best round, so a burst of load elsewhere on the machine
            # does not land on one case only.
            for _round in range(args.rounds):
                for name, path in CASES.items():
                    r = asyncio.run(_run(port, path, args.requests))
                    print(f"{name:10} {r}", file=sys.stderr)
                    if name not in results or r["rps"] > results[name]["rps"]:
                        results[name] = r
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    bare_result = results["bare"]
    rows = []
    for name, r in results.items():
        rows.append(
            {
                "case": name,
                "path": CASES[name],
                **r,
                "baseline_case": "bare",
                "baseline_median_ms": bare_result["median_ms"],
                "speedup": round(bare_result["median_ms"] / r["median_ms"], 3),
                "ratio_to_bare": round(r["rps"] / bare_result["rps"], 3),
            }
        )
    print(
        json.dumps(
            {
                "benchmark": "pages",
                "server": "gunicorn, 2 sync workers, loopback",
                "concurrency": CONCURRENCY,
                "results": rows,
                "queries": queries,
                "targets": {"home_ratio": 0.25, "directive_ratio": 0.25, "search_rps": 150, "p95_ms": 100},
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
