"""Sole control of personal keys the server holds (Luật GDĐT 2023, Art. 22): only the holder's PIN opens them."""

from __future__ import annotations

import pytest
from django.contrib.auth.forms import AdminPasswordChangeForm

from signing import personal, protection
from signing.errors import InvalidInput, KeyUnavailable, WrongPin
from signing.models import SigningKey
from signing.personal import DocumentToSign

PIN = "hoa-sen-2026"


@pytest.fixture
def leader(db, django_user_model):
    return django_user_model.objects.create_user(
        username="giamdoc", password="mat-khau-cu", first_name="Huy", last_name="Nguyễn Quang"
    )


@pytest.fixture
def enrolled(leader, dev_p12):
    p12, password = dev_p12("user-giamdoc")
    return personal.enrol_personal_key(owner=leader, pkcs12_data=p12, password=password, pin=PIN, key_id="user-giamdoc")


def _sign(user, record, pin):
    return personal.sign_batch(
        [DocumentToSign(pdf=_pdf(), level="B-T", appearance="text")],
        holder=user,
        kind="protected",
        ref=record.key_id,
        pin=pin,
    )


def _pdf() -> bytes:
    from tests.signing_support import sample_pdf

    return sample_pdf(1)


def test_the_holder_signs_with_the_pin(leader, enrolled, checked):
    [method] = personal.signing_methods_for(leader)
    assert (method.kind, method.ref, method.needs_pin) == ("protected", "user-giamdoc", True)

    [signed] = _sign(leader, enrolled, PIN)

    checked(signed, expected_signatures=1)
    from signing.services import validate_pdf

    report = validate_pdf(signed, isolated=False)
    assert report.indication == "TOTAL_PASSED", report.to_dict()


def test_the_server_keeps_no_usable_copy(enrolled):
    record = SigningKey.objects.get(pk=enrolled.pk)
    assert record.kind == SigningKey.Kind.PROTECTED
    assert (record.pkcs12_path, record.pkcs12_password_env, record.pkcs12_password_file) == ("", "", "")
    stored = b"".join(
        v if isinstance(v, bytes | memoryview) else str(v).encode()
        for v in SigningKey.objects.filter(pk=record.pk).values_list().get()
        if v is not None
    )
    assert PIN.encode() not in stored
    assert b"PRIVATE KEY" not in stored
    with pytest.raises(WrongPin):
        protection.unwrap(bytes(record.protected_key), pin="", aad=b"")


def test_no_pin_or_a_wrong_pin_signs_nothing_and_five_wrong_pins_lock_it(leader, enrolled):
    with pytest.raises(WrongPin):
        _sign(leader, enrolled, "")
    for _ in range(4):
        with pytest.raises(WrongPin) as exc:
            _sign(leader, enrolled, "sai-ma-pin-1")
        assert exc.value.user_message == "Mã PIN/OTP ký số không đúng. Không có văn bản nào được ký."
    assert SigningKey.objects.get(pk=enrolled.pk).pin_failures == 4
    with pytest.raises(WrongPin):
        _sign(leader, enrolled, "sai-ma-pin-5")
    with pytest.raises(WrongPin) as exc:  # locked: even the right PIN waits
        _sign(leader, enrolled, PIN)
    assert "tạm khóa" in exc.value.user_message


def test_an_administrators_password_reset_does_not_open_the_key(client, leader, enrolled, django_user_model):
    admin = django_user_model.objects.create_superuser(username="quantri", password="quan-tri-1")
    form = AdminPasswordChangeForm(leader, {"password1": "mat-khau-moi-9", "password2": "mat-khau-moi-9"})
    assert form.is_valid(), form.errors
    form.save()
    assert client.login(username="giamdoc", password="mat-khau-moi-9")  # the administrator can now log in as him

    for guess in ("", "mat-khau-moi-9", "mat-khau-cu"):
        with pytest.raises(WrongPin):
            _sign(leader, enrolled, guess)
    # moving the key to himself (editing the record) does not help either: the envelope is sealed to its owner
    SigningKey.objects.filter(pk=enrolled.pk).update(owner=admin, pin_failures=0)
    with pytest.raises(WrongPin):
        _sign(admin, SigningKey.objects.get(pk=enrolled.pk), PIN)
    # what an administrator can do is destroy it: the holder enrols again
    SigningKey.objects.filter(pk=enrolled.pk).update(owner=leader)
    personal.reset_personal_key(record=SigningKey.objects.get(pk=enrolled.pk))
    assert personal.signing_methods_for(leader) == []
    with pytest.raises(KeyUnavailable):
        _sign(leader, enrolled, PIN)


def test_the_holder_changes_the_pin(leader, enrolled):
    with pytest.raises(WrongPin):
        personal.change_pin(record=enrolled, old_pin="khong-phai-pin", new_pin="pin-moi-2027")
    personal.change_pin(record=enrolled, old_pin=PIN, new_pin="pin-moi-2027")

    with pytest.raises(WrongPin):
        _sign(leader, enrolled, PIN)
    assert len(_sign(leader, SigningKey.objects.get(pk=enrolled.pk), "pin-moi-2027")) == 1


def test_pin_policy(leader, dev_p12):
    p12, password = dev_p12("user-giamdoc")
    for pin, words in (("1234567", "ít nhất 8"), ("11111111", "quá đơn giản"), ("mat-khau-cu", "trùng mật khẩu")):
        with pytest.raises(InvalidInput) as exc:
            personal.enrol_personal_key(owner=leader, pkcs12_data=p12, password=password, pin=pin)
        assert words in exc.value.user_message
    with pytest.raises(KeyUnavailable):
        personal.enrol_personal_key(owner=leader, pkcs12_data=p12, password=b"wrong", pin=PIN)


def test_a_server_usable_personal_key_is_not_offered(leader, signing_pki):
    dev = signing_pki.dev_key("user-giamdoc")  # a PKCS#12 with its password next to it on the server
    SigningKey.objects.create(
        key_id="user-giamdoc-plain",
        owner=leader,
        kind=SigningKey.Kind.PKCS12,
        pkcs12_path=str(dev.p12_path),
        pkcs12_password_file=str(dev.password_path),
    )
    assert personal.signing_methods_for(leader) == []
