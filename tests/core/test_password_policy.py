"""ASVS 2.1.1: passwords of at least 12 characters, refused with a Vietnamese reason."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation


def test_a_password_of_eleven_characters_is_refused_and_twelve_accepted():
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        validate_password("ngan-qua-11")
    assert "12" in " ".join(refused.value.messages)
    validate_password("du-dai-12-kt")  # no exception: long enough, not common, not numeric
