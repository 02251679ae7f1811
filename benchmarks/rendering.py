"""Rendering and numbering speed (templates_docs).

    .venv/bin/python benchmarks/rendering.py

warm_render_cong_van: what a user waits for, `services.render_document` of a 2-page công văn with the active
template (fill the DOCX, convert it through the warm unoserver, find the signature box in the PDF), each iteration
with another document number so every PDF is rendered afresh; against a cold
`soffice --headless --convert-to pdf` of the same DOCX (baseline).
numbering_concurrent: 500 numbers allocated by 8 concurrent workers on PostgreSQL (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/vanthu_bench_render), checked distinct and gap-free, against the same 500
allocated by one worker (baseline).
The last line printed is one JSON object.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vanthu_bench_render")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from templates_docs import services  # noqa: E402
from templates_docs.models import NumberCounter, RegisterEntry  # noqa: E402

WARM_RUNS = int(os.environ.get("BENCH_WARM_RUNS", "20"))
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "3"))
NUMBERS, WORKERS = 500, 8
BENCH_YEAR = 2099


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def two_page_cong_van(number: int) -> dict:
    data = services.load_sample("cong-van")
    extra = (
        "Các doanh nghiệp bưu chính rà soát quy trình chấp nhận bưu gửi, bảo đảm kiểm tra nội dung bưu gửi "
        "theo đúng quy định, lưu giữ thông tin người gửi và phối hợp với cơ quan chức năng khi phát hiện vi phạm."
    )
    data["body"] = data["body"] + "\n\n" + "\n\n".join([extra] * 6)
    data["number"] = number
    return data


def render(number: int) -> services.RenderedDocument:
    return services.render_document(
        doc_type="cong-van", data=two_page_cong_van(number), organisation=services.default_organisation(), draft=False
    )


def bench_render() -> dict:
    first = render(1)  # starts the server and compiles the template: not timed
    warm, pdfs, pages = [], set(), set()
    for number in range(2, WARM_RUNS + 2):
        start = time.perf_counter()
        doc = render(number)
        warm.append((time.perf_counter() - start) * 1000)
        pdfs.add(hashlib.sha256(doc.pdf).hexdigest())
        pages.add((doc.page_count, doc.signature_box[0]))
    if len(pdfs) != WARM_RUNS or len(pages) != 1:
        raise SystemExit(f"warm renders were not all distinct 2-page documents: {len(pdfs)} PDFs, {pages}")
    cold = []
    soffice = shutil.which("soffice") or "soffice"
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "cong-van.docx"
        source.write_bytes(first.docx)
        # One profile, created by an untimed first run: "cold" is a new office process per document, not a
        # first-ever start (which would flatter the warm server).
        command = [
            soffice,
            f"-env:UserInstallation={(Path(folder) / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            folder,
            str(source),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
        for _ in range(COLD_RUNS):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, timeout=120)
            cold.append((time.perf_counter() - start) * 1000)
    warm_median, cold_median = statistics.median(warm), statistics.median(cold)
    return {
        "case": "warm_render_cong_van",
        "n": WARM_RUNS,
        "pages": first.page_count,
        "signature_page": first.signature_box[0] + 1,
        "median_ms": round(warm_median, 1),
        "p95_ms": round(percentile(warm, 95), 1),
        "baseline_case": "cold_soffice_convert_to",
        "baseline_n": COLD_RUNS,
        "baseline_median_ms": round(cold_median, 1),
        "speedup": round(cold_median / warm_median, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _allocate(count: int, latencies: list[float], errors: list[BaseException]) -> None:
    try:
        for _ in range(count):
            start = time.perf_counter()
            with transaction.atomic():
                services.register_outgoing(
                    doc_type="cong-van",
                    issued_date=date(BENCH_YEAR, 1, 2),
                    agency_abbreviation="STTTT",
                    drafting_unit="TTr",
                    subject="Benchmark",
                    signer_name="Benchmark",
                    recipients=["Như trên"],
                )
            latencies.append((time.perf_counter() - start) * 1000)
    except BaseException as exc:  # noqa: BLE001 - reported by the caller
        errors.append(exc)
    finally:
        connections.close_all()


def _run_numbering(workers: int) -> tuple[float, list[float]]:
    RegisterEntry.objects.filter(year=BENCH_YEAR).delete()
    NumberCounter.objects.filter(year=BENCH_YEAR).delete()
    latencies: list[float] = []
    errors: list[BaseException] = []
    shares = [NUMBERS // workers + (1 if i < NUMBERS % workers else 0) for i in range(workers)]
    threads = [threading.Thread(target=_allocate, args=(share, latencies, errors)) for share in shares]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"numbering failed: {errors[0]!r}")
    numbers = sorted(RegisterEntry.objects.filter(year=BENCH_YEAR).values_list("number", flat=True))
    if numbers != list(range(1, NUMBERS + 1)):
        raise SystemExit("numbering is not gap-free and unique")
    return elapsed, latencies


def bench_numbering() -> dict:
    if connection.vendor != "postgresql":
        raise SystemExit("numbering_concurrent needs PostgreSQL (DATABASE_URL)")
    serial_s, serial_lat = _run_numbering(1)
    concurrent_s, concurrent_lat = _run_numbering(WORKERS)
    RegisterEntry.objects.filter(year=BENCH_YEAR).delete()
    NumberCounter.objects.filter(year=BENCH_YEAR).delete()
    return {
        "case": "numbering_concurrent",
        "n": NUMBERS,
        "workers": WORKERS,
        "distinct_gap_free": True,
        "median_ms": round(statistics.median(concurrent_lat), 2),
        "p95_ms": round(percentile(concurrent_lat, 95), 2),
        "throughput_per_s": round(NUMBERS / concurrent_s, 1),
        "baseline_case": "numbering_serial",
        "baseline_median_ms": round(statistics.median(serial_lat), 2),
        "baseline_throughput_per_s": round(NUMBERS / serial_s, 1),
        "speedup": round(serial_s / concurrent_s, 2),
    }


def ensure_database() -> None:
    settings_db = connection.settings_dict
    if connection.vendor != "postgresql":
        return
    import psycopg

    admin = psycopg.connect(
        host=settings_db["HOST"] or "127.0.0.1",
        port=settings_db["PORT"] or 5432,
        user=settings_db["USER"],
        password=settings_db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings_db["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{settings_db["NAME"]}"')


def main() -> None:
    ensure_database()
    # The whole schema: render_document reads the active template version, and post-migrate hooks of other apps
    # expect every table.
    call_command("migrate", verbosity=0)
    results = []
    for bench in (bench_render, bench_numbering):
        result = bench()
        results.append(result)
        print(
            f"{result['case']}: median {result['median_ms']} ms (baseline {result['baseline_case']}: "
            f"{result['baseline_median_ms']} ms), speedup {result['speedup']}x"
        )
    print(json.dumps({"benchmark": "rendering", "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
