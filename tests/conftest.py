"""Fixtures shared by every test package. Each package keeps its own conftest for its own pieces."""

import os
import shutil

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from core.roles import Role, sync_role_permissions
from tests import factories
from tests.auth_support import VerifiedClient
from tests.browser_audit import AuditedBrowser, ViolationCollector, assert_no_violations, csp_violations  # noqa: F401 (fixture)
from tests.factories import UserFactory

# The deployment test starts the whole production topology: `make deploy-test` (VANTHU_DEPLOY_TEST=1) runs it.
collect_ignore = [] if os.environ.get("VANTHU_DEPLOY_TEST") == "1" else ["deploy"]

# signing keys and a sample PDF for any app's tests (signing_pki, signing_keys)
pytest_plugins = ["tests.signing_support"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: cached rows must not outlive the test database's rollback."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    """Django's test client, whose force_login passes the second factor too (tests.auth_support)."""
    return VerifiedClient()


@pytest.fixture
def roles(db):
    sync_role_permissions()
    return {role: Group.objects.get(name=role.value) for role in Role}


@pytest.fixture
def make_user(roles):
    """make_user(Role.CLERK, username="vanthu") -> a user in that role's group."""

    def _make(role: Role | None = None, **kwargs):
        user = UserFactory(**kwargs)
        if role is not None:
            user.groups.add(roles[role])
        return user

    return _make


@pytest.fixture
def lang_son_carriers(db):
    """Three postal businesses of Lạng Sơn with e-mail dn0..dn2@example.vn (tests.factories.LANG_SON_CARRIERS)."""
    return factories.lang_son_carriers()


@pytest.fixture
def on_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...): SQLite has no row locks")


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser). `make test` installs it.

    Function-scoped on purpose: Playwright's sync API keeps an event loop running in this thread, and while it
    runs, Django's serialized rollback of transactional tests silently restores nothing (the pages, groups and
    settings the migrations created would be gone for every later test).
    """
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is missing: run `scripts/ensure_system_deps.sh test` (make test does it as root)")
    # The tests' own ORM calls (and the database flush after each test) stay synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(
                executable_path=executable, args=["--no-sandbox", "--disable-background-networking"]
            )
            # every page of every browser test is audited for Content-Security-Policy violations
            collector = ViolationCollector()
            yield AuditedBrowser(chromium, collector)
            chromium.close()
            assert_no_violations(collector)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session", autouse=True)
def _no_stray_database_sessions(django_db_setup, django_db_blocker):
    """On PostgreSQL the test database is dropped at the end; a session left open by a finished thread or
    subprocess would make that fail. Close ours and end any stray one first."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        connection = connections["default"]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
