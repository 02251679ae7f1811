"""The production topology of docs/deployment.md, started on loopback for the deployment test and torn down after.

nginx (TLS, static files) in front of two gunicorn instances, PostgreSQL, Redis, two `db_worker` task workers,
all under `config.settings.production` with the environment the document lists. The development PKI stands in for
the outside certification authority and time-stamping service: its OCSP/CRL/TSA answers are served by a separate
process on its own port, the way a real CA's are, and the production side only knows their URLs.
"""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _ports() -> tuple[int, int, int]:
    nginx, app1, app2 = (int(p) for p in os.environ.get("DEPLOY_TEST_PORTS", "8203,8303,8304").split(","))
    return nginx, app1, app2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """The TLS certificate nginx presents for 127.0.0.1 (the test trusts exactly this one)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.crt", directory / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path


NGINX_CONF = """
{user}
worker_processes 2;
daemon off;
pid {run}/nginx.pid;
error_log {logs}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {logs}/nginx-access.log;
    server_tokens off;
    client_body_temp_path {run}/body; proxy_temp_path {run}/proxy; fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi; scgi_temp_path {run}/scgi;
    upstream vanthu {{ server 127.0.0.1:{app1}; server 127.0.0.1:{app2}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name 127.0.0.1;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        client_max_body_size 25m;
        location /static/ {{ alias {static}/; expires 1y; add_header Cache-Control "public, immutable"; }}
        location / {{
            proxy_pass http://vanthu;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 90s;
        }}
    }}
}}
"""


@dataclass
class Stack:
    tmp: Path
    base_url: str
    tls_cert: Path
    env: dict[str, str]
    seed: dict
    mailbox: Path
    logs: Path
    app_ports: tuple[int, int]
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def session(self) -> requests.Session:
        s = requests.Session()
        s.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise replace the certificate below
        s.verify = str(self.tls_cert)
        return s

    def url(self, path: str) -> str:
        return self.base_url + path

    def manage(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _run(args: list[str], env: dict[str, str], *, timeout: float = 900) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


def _start(stack: Stack, name: str, args: list[str], env: dict[str, str]) -> None:
    with (stack.logs / f"{name}.log").open("ab") as log:  # the child keeps its own descriptor
        stack.procs[name] = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_http(url: str, *, verify: str | bool = False, timeout: float = 180, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=30, verify=verify, allow_redirects=False).status_code < 500:
                return
        except requests.RequestException:  # not listening yet, or still loading the application
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def _wait_redis(port: int, *, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {proc.returncode}")
        try:
            redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1).ping()
            return
        except redis.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"redis-server did not answer on {port} within {timeout} s")


def _recreate_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start() -> Stack:
    nginx_port, app1, app2 = _ports()
    ca_port, redis_port = _free_port(), _free_port()
    tmp = Path(tempfile.mkdtemp(prefix="vanthu-deploy-"))
    tmp.chmod(0o755)  # nginx's workers read the static files
    logs, run, mailbox = tmp / "logs", tmp / "run", tmp / "mail"
    for d in (logs, run, mailbox):
        d.mkdir()
    database_url = os.environ.get("DEPLOY_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/deploy_walk")
    _recreate_database(database_url)
    cert, key = _self_signed(tmp)
    base_url = f"https://127.0.0.1:{nginx_port}"
    ca_url = f"http://127.0.0.1:{ca_port}"
    pki = tmp / "pki"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SIGNING_", "VANTHU_"))}
    common = {
        **clean,
        "DATABASE_URL": database_url,
        "VANTHU_AUDIT_KEY": secrets.token_urlsafe(48),
        "VANTHU_AUDIT_ANCHOR_FILE": str(tmp / "audit" / "anchors.jsonl"),
        "MEDIA_ROOT": str(tmp / "media"),
        "VANTHU_OFFICE_RUN_DIR": str(run / "office"),
        "SIGNING_CACHE_DIR": str(tmp / "cache" / "signing"),
        "LOG_LEVEL": "WARNING",
    }
    # The environment docs/deployment.md lists, as an operator sets it.
    production = {
        **common,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": base_url,
        "SITE_URL": base_url,
        "CACHE_URL": f"redis://127.0.0.1:{redis_port}/0",
        "STATIC_ROOT": str(tmp / "static"),
        "EMAIL_URL": f"filemail:///{mailbox}",  # the SMTP relay's place: every message kept as a file
        "DEFAULT_FROM_EMAIL": "Sở TT&TT Lạng Sơn <vanthu@example.vn>",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "SIGNING_TRUST_ROOTS": str(pki / "ca" / "root.crt.pem"),
        "SIGNING_TSA_URL": f"{ca_url}/xac-thuc/pki/tsa/",
        "SIGNING_ALLOW_FETCHING": "True",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    # The stand-in CA: the development PKI, its certificates naming OCSP/CRL URLs on its own port.
    authority = {
        **common,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "False",
        "SIGNING_DEV_PKI": "True",
        "SIGNING_DEV_PKI_DIR": str(pki),
        "SITE_URL": ca_url,
        "SECRET_KEY": secrets.token_urlsafe(60),
        "EMAIL_URL": "dummymail://",
        "DEPLOY_TEST_PASSWORD": "Mat-khau-kiem-thu-2026",
    }
    stack = Stack(
        tmp=tmp,
        base_url=base_url,
        tls_cert=cert,
        env=production,
        seed={},
        mailbox=mailbox,
        logs=logs,
        app_ports=(app1, app2),
    )
    try:
        redis_args = ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--dir", str(run)]
        _start(stack, "redis", redis_args, production)
        _wait_redis(redis_port, proc=stack.procs["redis"])
        # docs/deployment.md, "Steps" 3: once per release
        _run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], production)
        _run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], production)
        stack.seed = json.loads(_run([sys.executable, "-m", "tests.deploy.seed", str(tmp)], authority).splitlines()[-1])
        stack.seed["password"] = authority["DEPLOY_TEST_PASSWORD"]
        ca_args = [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{ca_port}", "-w", "1", "--no-control-socket", "config.wsgi"]
        _start(stack, "ca", ca_args, authority)
        for name, port in (("app1", app1), ("app2", app2)):
            env = {**production, "GUNICORN_BIND": f"127.0.0.1:{port}"}
            _start(stack, name, [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"], env)
        for name in ("worker1", "worker2"):
            args = [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--worker-id", name]
            _start(stack, name, args, production)
        conf = tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                user=f"user {getpass.getuser()};" if os.geteuid() == 0 else "",
                run=run,
                logs=logs,
                app1=app1,
                app2=app2,
                port=nginx_port,
                cert=cert,
                key=key,
                static=tmp / "static",
            )
        )
        _start(stack, "nginx", [NGINX, "-p", str(run), "-c", str(conf)], production)
        _wait_http(f"{ca_url}/xac-thuc/pki/root.crt", proc=stack.procs["ca"])
        for name, port in (("app1", app1), ("app2", app2)):
            _wait_http(f"http://127.0.0.1:{port}/healthz", proc=stack.procs[name])
        _wait_http(f"{base_url}/healthz", verify=str(cert), proc=stack.procs["nginx"])
    except BaseException:
        stop(stack)
        raise
    return stack


def stop(stack: Stack) -> None:
    for proc in stack.procs.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for proc in stack.procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    _drop_database(stack.env["DATABASE_URL"])
    if os.environ.get("DEPLOY_TEST_KEEP") != "1":
        shutil.rmtree(stack.tmp, ignore_errors=True)
