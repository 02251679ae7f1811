"""Production settings and the scale-out settings named in docs/deployment.md, really exercised."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "SECRET_KEY": "x" * 60 + "-production-grade-secret-key-for-the-check",
    "ALLOWED_HOSTS": "vanthu.example.gov.vn",
    "DATABASE_URL": "postgres://vanthu@127.0.0.1:5432/vanthu",
    "VANTHU_AUDIT_KEY": "y" * 40 + "-audit-chain-key",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PROD_ENV}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "VANTHU_AUDIT_KEY"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_demo_data_is_refused_in_production():
    result = manage("load_demo", env=PROD_ENV)
    assert result.returncode != 0
    assert "never loaded with production settings" in result.stderr


def test_redis_cache_url_shares_a_cache_between_processes():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    env = {**PROD_ENV, "CACHE_URL": "redis://127.0.0.1:6379/15"}
    writer = manage(
        "shell", "-v", "0", "-c", "from django.core.cache import cache; cache.set('vanthu-probe', 'chào', 30)", env=env
    )
    assert writer.returncode == 0, writer.stderr
    reader = manage(
        "shell", "-v", "0", "-c", "from django.core.cache import cache; print(cache.get('vanthu-probe'))", env=env
    )
    assert reader.stdout.strip() == "chào"


def test_s3_storage_backend_is_selected_by_environment():
    env = {
        **PROD_ENV,
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": "vanthu-docs",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    }
    probe = (
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.file_overwrite)"
    )
    result = manage("shell", "-v", "0", "-c", probe, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "vanthu-docs", "http://127.0.0.1:9000", "False"]


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor}


@pytest.mark.slow
def test_collectstatic_with_production_settings(tmp_path):
    """The manifest storage of the production settings, strict: every CSS reference resolves, or this fails."""
    result = manage("collectstatic", "--no-input", "-v", "1", env={**PROD_ENV, "STATIC_ROOT": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    # the stylesheet viewflow's pages link, hashed, with the fonts it names beside it
    css = tmp_path / manifest["viewflow/fonts/roboto/roboto-fontface.css"]
    fonts = re.findall(r"""url\(["']\./([^"']+)["']\)""", css.read_text())
    assert fonts and all((css.parent / font).is_file() for font in fonts)
    assert all(re.search(r"\.[0-9a-f]{12}\.woff2?$", font) for font in fonts)
    assert (tmp_path / (manifest["viewflow/fonts/roboto/roboto-fontface.css"] + ".gz")).is_file()
    # our own and Wagtail's admin assets are in the manifest too
    assert any(name.startswith("wagtailadmin/") for name in manifest)
    assert not (tmp_path / "viewflow/fonts/roboto/node_modules").exists()
