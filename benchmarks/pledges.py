"""Load test of the pledge campaign: 1,000 carriers through OTP and simple signing (method a) against PostgreSQL.

    .venv/bin/python benchmarks/pledges.py [--carriers 1000] [--clients 8] [--workers 3]

Everything real and on loopback: PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
vanthu_bench_pledges, recreated), gunicorn serving the project, Django's SMTP backend delivering to a small SMTP
sink in this process (the clients read their OTP codes from it), concurrent HTTP clients that open the invitation
link, ask for and enter the e-mail OTP, ask for the signing OTP, type the name, send a drawn signature and sign.
The pledge PDF is rendered once by LibreOffice and issued to every carrier (pre-rendered PDFs are allowed).
Afterwards every stored signed PDF is validated with the project's validator and with poppler's `pdfsig`.
The countersignature (B-LT + certificate) is queued for the task worker and is not part of this measurement.

Last line: one JSON object (cases `simple_sign_1000` and the single-client baseline `simple_sign_serial`).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/vanthu_bench_pledges"
REPRESENTATIVE = "Nguyễn Văn Bình"


# --- SMTP sink -----------------------------------------------------------------------------------
class SmtpSink:
    """Just enough SMTP to accept Django's messages; keeps the last 6-digit code per recipient."""

    def __init__(self) -> None:
        self.codes: dict[str, list[str]] = defaultdict(list)
        self.cond = threading.Condition()
        self.loop = asyncio.new_event_loop()
        self.port = _free_port()
        self.messages = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        self.loop.run_forever()

    async def _client(self, reader, writer) -> None:
        def send(line: str) -> None:
            writer.write((line + "\r\n").encode())

        send("220 sink")
        recipients: list[str] = []
        while True:
            line = await reader.readline()
            if not line:
                break
            command = line.decode("utf-8", "replace").strip()
            upper = command.upper()
            if upper.startswith(("EHLO", "HELO")):
                send("250 sink")
            elif upper.startswith("MAIL FROM"):
                recipients = []
                send("250 OK")
            elif upper.startswith("RCPT TO"):
                recipients.append(re.search(r"<([^>]+)>", command).group(1).lower())
                send("250 OK")
            elif upper == "DATA":
                send("354 go")
                await writer.drain()
                chunks = []
                while True:
                    data = await reader.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    chunks.append(data)
                self._deliver(recipients, b"".join(chunks))
                send("250 queued")
            elif upper == "QUIT":
                send("221 bye")
                await writer.drain()
                break
            else:
                send("250 OK")
            await writer.drain()
        writer.close()

    def _deliver(self, recipients: list[str], raw: bytes) -> None:
        import email

        message = email.message_from_bytes(raw)
        body = ""
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                body += part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8", "replace")
        match = re.search(r"\b(\d{6})\b", body)
        with self.cond:
            self.messages += 1
            if match:
                for rcpt in recipients:
                    self.codes[rcpt].append(match.group(1))
            self.cond.notify_all()

    def wait_code(self, to: str, seen: int, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.codes[to]) <= seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no OTP for {to}")
                self.cond.wait(left)
            return self.codes[to][seen]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- setup ---------------------------------------------------------------------------------------
def _environment(database_url: str, var_dir: str, smtp_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DEBUG="false",
        DATABASE_URL=database_url,
        VANTHU_VAR_DIR=var_dir,
        SECRET_KEY="benchmark-only-not-secret",  # noqa: S106 - throwaway database
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        LOG_LEVEL="WARNING",
        CONN_MAX_AGE="600",
        VANTHU_PLEDGES_EMAIL_RETRY_DELAY="0.2",
    )
    return env


def _recreate_database(database_url: str) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


SETUP_SCRIPT = r"""
import json, sys
from datetime import timedelta
import django
django.setup()
from django.utils import timezone
from core.demo import load as load_accounts
from signing.demo import init_pki
from workflows.pledges.services import invitations, issuance
from places.services import find_commune
from workflows.pledges.models import Campaign, Carrier, Pledge

n = int(sys.argv[1])
load_accounts(sys.stdout)
init_pki()
campaign = Campaign.objects.create(
    title="Benchmark", slug="bench", status=Campaign.Status.RUNNING,
    opens_at=timezone.now() - timedelta(days=1), closes_at=timezone.now() + timedelta(days=10),
)
commune = find_commune(text="Xã Cao Lộc")
Carrier.objects.bulk_create([
    Carrier(name=f"Doanh nghiệp số {i:04d}", tax_code=f"49{i:08d}", commune=commune,
            representative="Nguyễn Văn Bình", representative_title="Giám đốc", email=f"dn{i}@bench.example.vn")
    for i in range(n)
])
pledges = [Pledge(campaign=campaign, carrier=c) for c in Carrier.objects.order_by("pk")]
Pledge.objects.bulk_create(pledges)
first = Pledge.objects.select_related("carrier", "campaign").order_by("pk").first()
rendered = issuance.render_pledge(pledge=first)  # LibreOffice once; every carrier is issued these bytes
links = []
for pledge in Pledge.objects.select_related("carrier", "campaign").order_by("pk"):
    issuance.record_issued_pdf(pledge=pledge, rendered=rendered)
    links.append([pledge.carrier.email, invitations.new_invitation_token(pledge=pledge)])
print("LINKS" + json.dumps(links))
"""


# --- one carrier ---------------------------------------------------------------------------------
def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _drawn_signature() -> str:
    """A real drawn signature as the browser's drawing pad sends it (a PNG data URL; the server validates it)."""
    from signing.devpki import signature_png

    return "data:image/png;base64," + base64.b64encode(signature_png(REPRESENTATIVE)).decode()


SIGNATURE = _drawn_signature()


class Browser:
    """A small keep-alive HTTP client with cookies and redirects: the load generator shares the 2 cores with the
    server it measures, so it must cost far less than `requests` (which costs about 1 ms of CPU per request)."""

    def __init__(self, host: str, port: int) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=120)
        self.origin = f"http://{host}:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, body, final path) after following redirects."""
        for _hop in range(5):
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            body = None
            if form is not None:
                body = urlencode(form).encode()
                headers |= {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.origin + path}
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _eq, value = header.split(";", 1)[0].partition("=")
                if "expires=Thu, 01 Jan 1970" in header or "Max-Age=0" in header:
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value.strip().strip('"')
            if response.status in (301, 302, 303) and (location := response.headers.get("Location")):
                method, form, path = "GET", None, location.removeprefix(self.origin)
                continue
            return response.status, content.decode("utf-8", "replace"), path
        raise RuntimeError(f"too many redirects from {path}")

    def close(self) -> None:
        self.connection.close()


def carrier_flow(host: str, port: int, email: str, token: str, sink: SmtpSink) -> tuple[bool, float, str]:
    """Returns (ok, sign request ms, error)."""
    browser = Browser(host, port)
    try:
        url = f"/cam-ket/moi/{token}/"
        _status, page, _path = browser.request("GET", url)
        csrf = _csrf(page)
        seen = len(sink.codes[email])
        browser.request("POST", url, {"csrfmiddlewaretoken": csrf, "action": "send"})
        code = sink.wait_code(email, seen)
        status, page, path = browser.request(
            "POST", url, {"csrfmiddlewaretoken": csrf, "action": "verify", "code": code}
        )
        if "/ky-dien-tu/" not in page:
            return False, 0.0, f"verify: {status}"
        sign_url = path.rstrip("/") + "/ky-dien-tu/"
        _status, page, _path = browser.request("GET", sign_url)
        csrf = _csrf(page)
        seen = len(sink.codes[email])
        browser.request("POST", sign_url, {"csrfmiddlewaretoken": csrf, "action": "send", "typed_name": ""})
        code = sink.wait_code(email, seen)
        started = time.perf_counter()
        status, page, path = browser.request(
            "POST",
            sign_url,
            {
                "csrfmiddlewaretoken": csrf,
                "action": "sign",
                "typed_name": REPRESENTATIVE,
                "signature": SIGNATURE,
                "code": code,
            },
        )
        elapsed = (time.perf_counter() - started) * 1000
        if 'data-testid="signed-box"' not in page:
            return False, elapsed, f"sign: {status} {path}"
        return True, elapsed, ""
    except Exception as exc:  # noqa: BLE001 - every failure is counted
        return False, 0.0, f"{type(exc).__name__}: {exc}"
    finally:
        browser.close()


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy (all processes, all cores) since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_clients(port: int, links: list[list[str]], clients: int, sink: SmtpSink) -> dict:
    started = time.perf_counter()
    busy = _machine_busy_s()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(lambda link: carrier_flow("127.0.0.1", port, link[0], link[1], sink), links))
    wall = time.perf_counter() - started
    busy = _machine_busy_s() - busy
    times = sorted(r[1] for r in results if r[0])
    errors = [r[2] for r in results if not r[0]]
    return {
        "n": len(links),
        "wall_s": wall,
        "ok": len(times),
        "errors": len(errors),
        "error_samples": errors[:5],
        "median_ms": statistics.median(times) if times else None,
        "p95_ms": times[int(len(times) * 0.95) - 1] if times else None,
        "throughput_per_s": len(times) / wall if wall else 0.0,
        "machine_cpu_ms_per_pledge": busy * 1000 / len(times) if times else None,
    }


# --- checks --------------------------------------------------------------------------------------
CHECK_SCRIPT = r"""
import json, sys
import django
django.setup()
from django.db.models import Count
from core.models import AuditEntry
from viewflow.workflow.models import Task
from workflows.pledges.flows import PledgeFlow
from workflows.pledges.models import Pledge
signed = Pledge.objects.filter(status="signed")
dup_rows = Pledge.objects.values("campaign", "carrier").annotate(n=Count("id")).filter(n__gt=1).count()
dup_tasks = Task.objects.filter(flow_task=PledgeFlow.respond, status="DONE").values("process").annotate(
    n=Count("id")).filter(n__gt=1).count()
dup_audit = AuditEntry.objects.filter(code="workflows.pledges.signed").values("object_id").annotate(
    n=Count("id")).filter(n__gt=1).count()
paths = [p.signed_pdf.file.path for p in signed.select_related("signed_pdf")]
print("CHECK" + json.dumps({"signed": signed.count(), "duplicates": dup_rows + dup_tasks + dup_audit, "paths": paths}))
"""


def _validate_one(path: str) -> bool:
    import django

    if not getattr(_validate_one, "ready", False):
        django.setup()
        _validate_one.ready = True
    from signing import services as signing

    data = Path(path).read_bytes()
    report = signing.validate_pdf(data, isolated=False)
    ours = bool(report.signatures) and all(s.intact and s.valid and s.trusted for s in report.signatures)
    out = subprocess.run(["pdfsig", path], capture_output=True, text=True, check=False).stdout
    theirs = out.count("Signature Validation: Signature is Valid.") == len(report.signatures) >= 1
    return ours and theirs


def gunicorn_command(python: str, *, port: int, workers: int) -> list[str]:
    """The app server as docs/deployment.md runs it (gthread workers), on loopback."""
    return [
        python,
        "-m",
        "gunicorn",
        "config.wsgi",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "--threads",
        "2",
        "-k",
        "gthread",
        "--log-level",
        "warning",
        "--timeout",
        "120",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--carriers", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--baseline", type=int, default=30)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    var_dir = tempfile.mkdtemp(prefix="vanthu-bench-pledges-")
    sink = SmtpSink()
    env = _environment(database_url, var_dir, sink.port)
    os.environ.update(env)
    python = sys.executable
    _recreate_database(database_url)
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    total = args.carriers + args.baseline
    setup = subprocess.run(
        [python, "-c", SETUP_SCRIPT, str(total)], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    links = json.loads(setup.stdout.split("LINKS", 1)[1])
    port = _free_port()
    server = subprocess.Popen(
        gunicorn_command(python, port=port, workers=args.workers),
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        for _ in range(120):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.5)
        run_clients(port, links[:4], 4, sink)  # warm every worker (imports, keys, fonts) before measuring
        baseline = run_clients(port, links[4 : args.baseline], 1, sink)
        main_run = run_clients(port, links[args.baseline :], args.clients, sink)
        print(f"baseline {baseline}\nmain {main_run}", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=30)
    check = subprocess.run([python, "-c", CHECK_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True)
    if check.returncode:
        sys.exit(f"checking the database failed:\n{check.stderr[-3000:]}")
    checked = json.loads(check.stdout.split("CHECK", 1)[1])
    with ProcessPoolExecutor(max_workers=2) as pool:
        valid = list(pool.map(_validate_one, checked["paths"], chunksize=20))
    invalid = valid.count(False)
    print(
        f"pledges: {main_run['ok']}/{main_run['n']} signed in {main_run['wall_s']:.1f}s with {args.clients} clients "
        f"({main_run['throughput_per_s']:.1f}/s), errors {main_run['errors']} {main_run['error_samples']}, "
        f"DB signed {checked['signed']}, duplicates {checked['duplicates']}, invalid PDFs {invalid}/{len(valid)}",
        file=sys.stderr,
    )
    result = {
        "benchmark": "pledges",
        "results": [
            {
                "case": "simple_sign_1000",
                "n": main_run["n"],
                "clients": args.clients,
                "median_ms": main_run["median_ms"],
                "p95_ms": main_run["p95_ms"],
                "throughput_per_s": round(main_run["throughput_per_s"], 2),
                "errors": main_run["errors"],
                "duplicates": checked["duplicates"],
                "invalid_pdfs": invalid,
                "validated_pdfs": len(valid),
                "baseline_case": "simple_sign_serial",
                "baseline_median_ms": baseline["median_ms"],
                "speedup": round(main_run["throughput_per_s"] / baseline["throughput_per_s"], 2)
                if baseline["throughput_per_s"]
                else None,
            },
            {
                "case": "simple_sign_serial",
                "n": baseline["n"],
                "clients": 1,
                "median_ms": baseline["median_ms"],
                "p95_ms": baseline["p95_ms"],
                "throughput_per_s": round(baseline["throughput_per_s"], 2),
                "errors": baseline["errors"],
                "baseline_case": None,
                "baseline_median_ms": None,
                "speedup": None,
            },
        ],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
