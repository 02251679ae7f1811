"""ASVS 2.1.1: passwords of at least 12 characters, refused with a Vietnamese reason."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.auth_support import PASSWORD, VerifiedClient
from tests.factories import UserFactory


def test_a_password_of_eleven_characters_is_refused_and_twelve_accepted():
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        validate_password("ngan-qua-11")
    assert "12" in " ".join(refused.value.messages)
    validate_password("du-dai-12-kt")  # no exception: long enough, not common, not numeric


ENGLISH = (
    "Django Material",
    "Profile",
    "Password-based authentication",
    "Enabled",
    "Disabled",
    "Whether the user",
    "too short",
    "characters",
)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.django_db
def test_password_forms_speak_vietnamese_on_the_page_and_in_the_refusal(roles):
    administrator = UserFactory(is_superuser=True, is_staff=True)
    other = UserFactory()
    client = VerifiedClient()
    client.force_login(administrator)
    short = {"usable_password": "true", "username": "tai-khoan-moi", "old_password": PASSWORD}
    short |= dict.fromkeys(("password1", "password2", "new_password1", "new_password2"), "ngan-qua-11")
    for url in (
        f"/django-admin/core/user/{other.pk}/password/",
        "/django-admin/password_change/",
        "/django-admin/core/user/add/",
        f"/admin/users/edit/{other.pk}/",
        "/admin/users/new/",
        "/accounts/password_change/",
    ):
        page = visible_text(client.get(url).content.decode())
        refused = client.post(url, short)
        assert refused.status_code == 200, (url, refused.status_code)
        answer = visible_text(refused.content.decode())
        for word in ENGLISH:
            assert word not in page, (url, word)
            assert word not in answer, (url, word)
        assert "Mật khẩu quá ngắn: cần ít nhất 12 ký tự." in answer, (url, refused.content.decode()[:3000])
