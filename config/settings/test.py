"""Settings for the test suite. DATABASE_URL chooses SQLite (default) or PostgreSQL."""

import os
import tempfile

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
VANTHU_AUDIT_KEY = "test-only-audit-key"
VANTHU_AUDIT_ANCHOR_FILE = os.path.join(tempfile.mkdtemp(prefix="vanthu-test-audit-"), "anchors.jsonl")
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="vanthu-test-media-")
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
STATIC_ROOT = tempfile.mkdtemp(prefix="vanthu-test-static-")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# signing: one development PKI per test session, generated on first use
SIGNING_DEV_PKI_DIR = os.environ.get("SIGNING_DEV_PKI_DIR") or tempfile.mkdtemp(prefix="vanthu-test-pki-")
SIGNING_CACHE_DIR = tempfile.mkdtemp(prefix="vanthu-test-signing-cache-")
SIGNING_FETCH_CACHE_DIR = tempfile.mkdtemp(prefix="vanthu-test-fetch-cache-")
# one SoftHSM2 token directory per test process (SoftHSM reads this once per process): tests/signing/test_pkcs11
# and the seal token of signing.demo share it, and so do the subprocesses a test starts. A pytest-xdist worker
# inherits its controller's and takes its own.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if "SOFTHSM2_CONF" not in os.environ or os.environ.get("VANTHU_TEST_SOFTHSM_WORKER", "") != _xdist_worker:
    os.environ["SOFTHSM2_CONF"] = os.path.join(tempfile.mkdtemp(prefix="vanthu-test-softhsm-"), "softhsm2.conf")
    os.environ["VANTHU_TEST_SOFTHSM_WORKER"] = _xdist_worker
# No persistent connections in tests: a thread that ends keeps its connection open otherwise.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
