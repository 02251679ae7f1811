"""Fixtures shared by every test package. Each package keeps its own conftest for its own pieces."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from core.roles import Role, sync_role_permissions
from tests.factories import UserFactory

# signing keys and a sample PDF for any app's tests (signing_pki, signing_keys)
pytest_plugins = ["signing.testing"]


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
def on_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...): SQLite has no row locks")
