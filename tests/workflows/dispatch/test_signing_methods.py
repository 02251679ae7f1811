"""The leader's sign step: the methods the leader has, each opened only by what the leader types (sole control)."""

from __future__ import annotations

from django.urls import reverse

from signing import personal
from signing.models import SigningKey
from signing.services import validate_pdf
from tests.signing_support import HUY
from workflows.dispatch.models import DispatchRevision, Stage

from .conftest import _today, execute_url, open_task

WRONG_PIN = "Mã PIN/OTP ký số không đúng. Không có văn bản nào được ký."


def _numbered(driver, people):
    process = driver.to_numbering()
    assert driver.do(people.clerk, process, "number", {"issued_date": _today()}).status_code == 302
    return process


def _sign_page(driver, process) -> str:
    driver.as_(process.signer)
    task = open_task(process, "sign")
    return driver.client.get(execute_url(task)).content.decode()


def test_the_leader_signs_remotely_from_the_methods_he_has(driver, people, keys, remote_provider):
    credential = personal.enrol_remote_credential(
        owner=people.leader, user_ref=HUY.user_id, credential_id="csc-dev/huy"
    )
    process = _numbered(driver, people)

    page = _sign_page(driver, process)

    assert f'value="remote:{credential.pk}"' in page and "Ký số từ xa: " in page
    assert 'value="protected:user-giamdoc"' in page and "mở bằng PIN ký của bạn" in page
    assert reverse("dispatch:external_sign", args=[process.pk]) in page  # the two-step path
    assert 'name="viewport"' in page and 'type="password"' in page and 'autocomplete="one-time-code"' in page
    before = remote_provider.calls().get("/csc/v2/signatures/signHash", 0)

    response = driver.do(people.leader, process, "sign", {"method": f"remote:{credential.pk}", "pin": HUY.pin})

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert remote_provider.calls()["/csc/v2/signatures/signHash"] == before + 1
    assert process.stage == Stage.SEALING
    signed = process.latest_revision(DispatchRevision.Kind.SIGNED).pdf.read()
    report = validate_pdf(signed, trust_roots=[remote_provider.root_der], isolated=False)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert (report.signatures[0].signer_common_name, report.signatures[0].pades_level) == ("Nguyễn Quang Huy", "B-T")


def test_a_wrong_pin_signs_nothing_and_keeps_the_task(driver, people, keys):
    process = _numbered(driver, people)

    response = driver.sign(process, people.leader, pin="sai-ma-pin-1")

    assert response.status_code == 200
    assert WRONG_PIN in response.content.decode()
    assert not process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).exists()
    assert open_task(process, "sign").owner == people.leader
    assert driver.sign(process, people.leader).status_code == 302  # the right PIN, typed by him, signs


def test_an_administrator_who_resets_the_password_cannot_sign_as_the_leader(
    driver, people, keys, client, django_user_model
):
    process = _numbered(driver, people)
    admin = django_user_model.objects.create_superuser(username="quantri-he-thong", password="quan-tri-2026")
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[people.leader.pk])
    response = client.post(url, {"password1": "mat-khau-moi-9", "password2": "mat-khau-moi-9"})
    assert response.status_code == 302, response.content.decode()[-1500:]
    client.logout()
    people.leader.refresh_from_db()  # the new password hash (a stale one would end the session)
    assert client.login(username=people.leader.username, password="mat-khau-moi-9")  # he can now log in as him

    for guess in ("mat-khau-moi-9", "quan-tri-2026", "12345678"):
        response = driver.sign(process, people.leader, pin=guess)
        assert response.status_code == 200
        assert WRONG_PIN in response.content.decode()
    assert not process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).exists()

    # what an administrator can do to the key is destroy it: then nobody can sign with it, not even its holder
    SigningKey.objects.filter(pk=keys["user-giamdoc"].pk).update(pin_failures=0)
    personal.reset_personal_key(record=SigningKey.objects.get(key_id="user-giamdoc"))
    assert "Bạn chưa có cách ký số nào" in _sign_page(driver, process)
    response = driver.do(people.leader, process, "sign", {"method": "protected:user-giamdoc", "pin": "ky-so-2026"})
    assert response.status_code == 200
    assert not process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).exists()
