"""Crash soak: the system under random SIGKILLs, then its invariants (issue 17).

    .venv/bin/python benchmarks/crash_soak.py [--carriers 120] [--clients 3] [--dispatches 40]
                                             [--kills 30] [--duration 900] [--catch-up 600]

Everything real and on loopback: PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
reliability_soak, recreated), gunicorn with 2 workers on 127.0.0.1:8207 (--port), one `manage.py db_worker`
(restarted by this script whenever it is killed, as systemd would), Django's SMTP backend delivering to the small
SMTP sink of benchmarks/pledges.py, carriers signing their pledges over HTTP (invitation link, e-mail OTP, drawn
signature, signing OTP: method a), and a clerk process that drafts, numbers, signs and seals dispatches through
the dispatch services (the HTTP path wants a second factor the soak cannot type), LibreOffice rendering in the
clerk and in the task worker (countersignature certificates).

Meanwhile `--kills` SIGKILLs of each kind at random moments, spread over `--duration` seconds at most: a gunicorn
worker (the master starts another), the task worker, a LibreOffice process (soffice.bin) of this run. Then the
workers are given `--catch-up` seconds to finish, every process is killed, and the invariants are checked. Last
line: one JSON object; `ok` is true when every invariant holds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import pledges as bench  # noqa: E402 - the pledge benchmark's SMTP sink, setup and carrier flow

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/reliability_soak"
KINDS = ("gunicorn_worker", "task_worker", "office")

CLERK_SCRIPT = r"""
import json, sys, time
from pathlib import Path
import django
django.setup()
from workflows.dispatch import demo
from workflows.dispatch.services import decisions, drafting, issuing

count, stop = int(sys.argv[1]), Path(sys.argv[2])
author, head, leader, clerk = (demo._user(u) for u in ("chuyenvien", "truongphong", "giamdoc", "vanthu"))
steps = [
    ("draft", author, lambda p: drafting.submit_draft(process=p, user=author)),
    ("review", head, lambda p: decisions.review_dispatch(process=p, user=head, decision=decisions.APPROVED)),
    ("approve", leader, lambda p: decisions.approve_dispatch(process=p, user=leader, decision=decisions.APPROVED)),
    ("number", clerk, lambda p: issuing.number_dispatch(process=p, user=clerk)),
    ("sign", leader, lambda p: demo._sign_as(p, leader)),  # his first method, the dev signing PIN
    ("seal", clerk, lambda p: issuing.seal_dispatch(process=p, user=clerk)),
]
for i in range(count):
    if stop.exists():
        break
    data = demo._data(subject=f"V/v kiểm tra an toàn bưu chính đợt {i + 1}", body="Đề nghị các doanh nghiệp rà soát./.",
                      signer=leader, authority_prefix="", authority_title="")
    process = demo.start(author=author, data=data, demo_key=f"soak-{i}")
    for name, user, action in steps:
        for attempt in range(5):  # a step whose office was killed under it is tried again, as a clerk would
            try:
                demo.complete(process, name, user, action)
                print(json.dumps({"step": name, "ok": True}), flush=True)
                break
            except Exception as exc:
                print(json.dumps({"step": name, "ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}), flush=True)
                time.sleep(1)
        else:
            break
"""

CHECK_SCRIPT = r"""
import json
import datetime as dt
from collections import Counter
import django
django.setup()
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from core.files import find_orphans, stored_file_intact
from core.models import AuditEntry, StoredFile
from core.workers import live_worker_ids
from django.core.files.storage import default_storage
from templates_docs.models import RegisterEntry
from workflows.dispatch.models import DispatchProcess
from workflows.pledges.models import Pledge

missing = differing = 0
for stored in StoredFile.objects.iterator():
    if not default_storage.exists(stored.file.name):
        missing += 1
    elif not stored_file_intact(stored):
        differing += 1
gaps = 0
for series, year in set(RegisterEntry.objects.values_list("series", "year")):
    numbers = sorted(RegisterEntry.objects.filter(series=series, year=year).values_list("number", flat=True))
    gaps += numbers[-1] - len(set(numbers)) + (len(numbers) - len(set(numbers)))
def duplicates(code):
    counts = Counter(AuditEntry.objects.filter(code=code).values_list("object_id", flat=True))
    return sum(n - 1 for n in counts.values() if n > 1)
alive = live_worker_ids()
running = list(DBTaskResult.objects.filter(status="RUNNING").values_list("worker_ids", flat=True))
orphans = find_orphans(grace=dt.timedelta(0))
print("CHECK" + json.dumps({
    "pledges_signed": Pledge.objects.exclude(signed_pdf=None).count(),
    "signed_without_countersignature": Pledge.objects.filter(status="signed", countersigned_pdf=None).count(),
    "countersign_errors": Pledge.objects.filter(status="signed", countersigned_pdf=None).exclude(countersign_error="").count(),
    "dispatches_sealed": DispatchProcess.objects.filter(stage__in=["sending", "sent"]).count(),
    "rows_without_files": missing,
    "files_size_or_hash_differs": differing,
    "files_without_rows": len(orphans),
    "duplicate_signatures": duplicates("workflows.pledges.signed") + duplicates("workflows.pledges.countersigned")
        + duplicates("workflows.dispatch.signed") + duplicates("workflows.dispatch.sealed"),
    "register_gaps": gaps,
    "tasks_running_without_live_worker": sum(1 for ids in running if not ids or ids[-1] not in alive),
    "tasks_left": DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count(),
    "tasks_failed": DBTaskResult.objects.filter(status="FAILED").count(),
}))
"""


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _marked_processes(marker: str, names: tuple[str, ...]) -> list[int]:
    """Processes of this run (they inherit VANTHU_SOAK_ID) whose command line names one of `names`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() not in (entry / "environ").read_bytes():
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
        if any(name in cmdline for name in names):
            found.append(int(entry.name))
    return found


def _kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


class TaskWorker:
    """One `manage.py db_worker`, started again as soon as it is gone (what `Restart=always` does)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None
        self.generation = 0
        self.stopped = False
        self.lock = threading.Lock()
        self.start()
        threading.Thread(target=self._supervise, daemon=True).start()

    def start(self) -> None:
        self.generation += 1
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--queue-name",
                    "*",
                    "--no-reload",
                    "--interval",
                    "0.3",
                    "--worker-id",
                    f"soak-{self.generation}",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
            )

    def _supervise(self) -> None:
        while not self.stopped:
            with self.lock:
                if not self.stopped and self.process.poll() is not None:
                    time.sleep(1)
                    self.start()
            time.sleep(0.2)

    def kill(self) -> bool:
        return _kill(self.process.pid)

    def stop(self, sig=signal.SIGKILL) -> None:
        with self.lock:
            self.stopped = True
            self.process.send_signal(sig)
            self.process.wait(timeout=60)


def _wait_http(port: int, timeout: float = 120) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on {port}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--carriers", type=int, default=120)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--dispatches", type=int, default=40)
    parser.add_argument("--kills", type=int, default=30, help="SIGKILLs of each kind")
    parser.add_argument("--duration", type=float, default=900, help="seconds over which the kills are spread")
    parser.add_argument("--catch-up", type=float, default=600, help="seconds the workers get to finish afterwards")
    parser.add_argument("--port", type=int, default=8207)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()
    database_url = os.environ.get("SOAK_DATABASE_URL", DEFAULT_DB)
    var_dir = tempfile.mkdtemp(prefix="vanthu-crash-soak-")
    sink = bench.SmtpSink()
    marker = f"VANTHU_SOAK_ID={uuid.uuid4().hex}"
    env = bench._environment(database_url, var_dir, sink.port)
    env.update(
        dict([marker.split("=", 1)]),
        VANTHU_TASK_LEASE_SECONDS="6",
        VANTHU_TASK_MAX_ATTEMPTS="10",
        VANTHU_OFFICE_RUN_DIR=str(Path(var_dir) / "run" / "office"),
        VANTHU_DISPATCH_SEAL_KEY="org-seal",  # the dev PKI's file key: the soak is about crashes, not the token
    )
    python = sys.executable
    bench._recreate_database(database_url)
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    setup = subprocess.run(
        [python, "-c", bench.SETUP_SCRIPT, str(args.carriers)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    links = json.loads(setup.stdout.split("LINKS", 1)[1])
    logs = Path(var_dir) / "logs"
    logs.mkdir()

    gunicorn = subprocess.Popen(
        bench.gunicorn_command(python, port=args.port, workers=2),
        cwd=ROOT,
        env=env,
        stdout=open(logs / "gunicorn.log", "wb"),
        stderr=subprocess.STDOUT,  # noqa: SIM115
    )
    worker = TaskWorker(env, logs / "worker.log")
    stop_file = Path(var_dir) / "stop"
    clerk = subprocess.Popen(
        [python, "-c", CLERK_SCRIPT, str(args.dispatches), str(stop_file)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=open(logs / "clerk.log", "wb"),
        text=True,  # noqa: SIM115
    )
    clerk_lines: list[str] = []
    clerk_reader = threading.Thread(target=lambda: clerk_lines.extend(clerk.stdout), daemon=True)
    clerk_reader.start()
    _wait_http(args.port)
    kills_started = time.monotonic()

    # the carriers: each client takes the next invitation until none is left or the kills are over (the setup
    # issues more than the clients can sign in that time, so they sign throughout)
    pending = list(links)
    outcomes: Counter = Counter()
    done = threading.Event()

    def client() -> None:
        while not done.is_set():
            try:
                email, token = pending.pop()
            except IndexError:
                return
            ok, _ms, error = bench.carrier_flow("127.0.0.1", args.port, email, token, sink)
            outcomes["signed" if ok else "error:" + error.split(":", 1)[0].split(" ", 1)[0]] += 1

    pool = ThreadPoolExecutor(max_workers=args.clients)
    for _ in range(args.clients):
        pool.submit(client)

    # the kills
    kills: Counter = Counter()
    left = dict.fromkeys(KINDS, args.kills)
    interval = args.duration / max(1, sum(left.values()))
    deadline = kills_started + args.duration + 120
    while any(left.values()) and time.monotonic() < deadline:
        time.sleep(rng.uniform(0.3, 1.7) * interval)
        kind = rng.choice([k for k, n in left.items() if n])
        if kind == "gunicorn_worker":
            victims = _children(gunicorn.pid)
        elif kind == "task_worker":
            victims = [worker.process.pid] if worker.process.poll() is None else []
        else:
            victims = _marked_processes(marker, ("soffice.bin",))
        if victims and _kill(rng.choice(victims)):
            kills[kind] += 1
            left[kind] -= 1
    kill_seconds = round(time.monotonic() - kills_started, 1)
    done.set()
    stop_file.touch()
    pool.shutdown(wait=True)

    # catch-up: the task worker finishes the queue (killing stopped), the clerk its current dispatch
    catch_up_started = time.monotonic()
    check_env = dict(env)
    while time.monotonic() - catch_up_started < args.catch_up:
        left_tasks = subprocess.run(
            [
                python,
                "-c",
                "import django;django.setup();from django_tasks_db.models import DBTaskResult;"
                "print(DBTaskResult.objects.filter(status__in=['READY','RUNNING']).count())",
            ],
            cwd=ROOT,
            env=check_env,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if left_tasks == "0" and clerk.poll() is not None:
            break
        time.sleep(3)
    caught_up_s = round(time.monotonic() - catch_up_started, 1)
    check = subprocess.run([python, "-c", CHECK_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True)

    # every process of the run killed as a crash would; their offices must follow them
    clerk.kill()
    worker.stop(signal.SIGKILL)
    gunicorn.kill()
    for pid in _children(gunicorn.pid):
        _kill(pid)
    gunicorn.wait(timeout=30)
    time.sleep(10)
    office_left = _marked_processes(marker, ("soffice", "unoserver", "office_launcher"))
    for pid in office_left:
        _kill(pid)

    if check.returncode:
        sys.exit(f"checking the database failed:\n{check.stderr[-3000:]}")
    result = json.loads(check.stdout.split("CHECK", 1)[1])

    def orphan_files(*extra: str) -> str:
        command = [python, "manage.py", "orphan_files", "--grace-hours", "0", *extra]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout

    orphan_list = orphan_files("--delete")
    orphans_after = orphan_files()
    audit = subprocess.run([python, "manage.py", "verify_audit"], cwd=ROOT, env=env, capture_output=True, text=True)
    clerk_steps: Counter = Counter()
    clerk_samples = []
    for line in clerk_lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        clerk_steps[f"{entry['step']}:{'ok' if entry['ok'] else 'error'}"] += 1
        if not entry["ok"] and len(clerk_samples) < 5:
            clerk_samples.append(entry["error"])
    result.update(
        kills=dict(kills),
        kill_phase_s=kill_seconds,
        caught_up_s=caught_up_s,
        carriers={**outcomes},
        clerk_steps=dict(clerk_steps),
        clerk_error_samples=clerk_samples,
        orphan_files_removed=int(orphan_list.strip().splitlines()[-1].split("; ")[1].split()[0])
        if "removed" in orphan_list
        else 0,
        orphan_files_after_command=int(orphans_after.strip().splitlines()[-1].split()[0]),
        office_processes_without_parent=len(office_left),
        verify_audit_intact=audit.returncode == 0,
        task_worker_starts=worker.generation,
        wall_s=round(time.monotonic() - started, 1),
    )
    result["ok"] = (
        result["signed_without_countersignature"] == 0
        and result["rows_without_files"] == 0
        and result["files_size_or_hash_differs"] == 0
        and result["orphan_files_after_command"] == 0
        and result["duplicate_signatures"] == 0
        and result["register_gaps"] == 0
        and result["tasks_running_without_live_worker"] == 0
        and result["office_processes_without_parent"] == 0
        and result["verify_audit_intact"]
    )
    print(json.dumps({"benchmark": "crash_soak", **result}, ensure_ascii=False))


if __name__ == "__main__":
    main()
