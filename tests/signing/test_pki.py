"""pki_init and the development PKI: idempotent, refused in production, images generated with Pillow."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from signing.models import SigningKey

pytestmark = pytest.mark.django_db


def test_pki_init_is_idempotent_and_links_demo_leaders(signing_pki, django_user_model):
    leader = django_user_model.objects.create(username="giamdoc", first_name="Huy", last_name="Nguyễn Quang")
    call_command("pki_init", stdout=io.StringIO())
    files = {p: p.stat().st_mtime_ns for p in signing_pki.dir.rglob("*") if p.is_file()}
    keys = list(SigningKey.objects.order_by("key_id").values_list("key_id", "pkcs12_path", "owner_id"))

    call_command("pki_init", stdout=io.StringIO())

    assert {p: p.stat().st_mtime_ns for p in signing_pki.dir.rglob("*") if p.is_file()} == files
    assert list(SigningKey.objects.order_by("key_id").values_list("key_id", "pkcs12_path", "owner_id")) == keys
    assert {k for k, _, _ in keys} == {"org-seal", "org-system", "user-giamdoc", "user-phogiamdoc"}
    assert SigningKey.objects.get(key_id="user-giamdoc").owner == leader


def test_pki_init_refused_when_dev_pki_disabled(settings):
    settings.SIGNING_DEV_PKI = False
    with pytest.raises(CommandError, match="disabled"):
        call_command("pki_init", stdout=io.StringIO())


def test_production_settings_disable_the_dev_pki():
    from pathlib import Path

    text = Path("config/settings/production.py").read_text()
    assert "SIGNING_DEV_PKI = False" in text


def _colours(path) -> tuple[Image.Image, tuple[int, int, int]]:
    img = Image.open(path).convert("RGBA")
    raw = img.tobytes()
    opaque = [raw[i : i + 4] for i in range(0, len(raw), 4) if raw[i + 3] > 200]
    n = len(opaque)
    mean = tuple(sum(px[i] for px in opaque) // n for i in range(3))
    return img, mean


def test_signature_image_is_blue_and_seal_is_red_on_transparent(signing_keys):
    sig_img, (r, g, b) = _colours(signing_keys["user-giamdoc"].signature_image)
    assert sig_img.getpixel((0, 0))[3] == 0
    assert b > 120 and b > r + 60
    seal_img, (r, g, b) = _colours(signing_keys["org-seal"].seal_image)
    assert seal_img.getpixel((0, 0))[3] == 0
    assert r > 150 and r > g + 100 and r > b + 100
    assert seal_img.width == seal_img.height
