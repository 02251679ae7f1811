"""Vietnamese by default, English available: the compiled catalogue really serves English pages."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    # .mo files are generated at set-up (make messages), never committed: compile here too.
    subprocess.run(["msgfmt", "-o", "django.mo", "django.po"], cwd=ROOT / "locale/en/LC_MESSAGES", check=True)
    translation.trans_real._translations = {}
    yield


def test_defaults_are_vietnamese():
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]


@pytest.mark.django_db
def test_login_page_in_each_language(client):
    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/accounts/login/").content.decode()
    assert "Log in" in body and "Đăng nhập" not in body


def test_catalogue_is_complete():
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", "/dev/null", "locale/en/LC_MESSAGES/django.po"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
