"""Batches (issue 15): the leader signs several documents with one PIN, the clerk numbers and seals several at once.

Each document still gets its own complete signature revision (judged by the project's validator and by poppler's
`pdfsig`), its own audit entry and its own viewflow task completed; what fails stays in the queue with a
Vietnamese reason; a second submit does nothing twice; every other role is refused."""

from __future__ import annotations

import subprocess
import time

import pytest
from django.conf import settings
from django.urls import reverse
from viewflow.workflow import STATUS

from core.audit import trail_for
from signing import personal
from signing.services import validate_pdf
from tests.auth_support import authenticator, current_code
from tests.signing_support import HUY
from workflows.dispatch.models import DispatchRevision, Stage
from workflows.dispatch.services import batch

from .conftest import _today, execute_url, open_task
from .test_reauth import STALE, age_proof

SIGN_URL, NUMBER_URL, SEAL_URL = (reverse(f"dispatch:batch_{n}") for n in ("sign", "number", "seal"))
PIN = {"method": "protected:user-giamdoc", "pin": settings.SIGNING_DEV_SIGNING_PIN}


def pdfsig(data: bytes, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout


def assert_pdfsig_accepts(data: bytes, tmp_path, name: str, *, signatures: int) -> None:
    out = pdfsig(data, tmp_path, name)
    blocks = out.split("Signature #")[1:]
    assert len(blocks) == signatures, out
    assert all("Signature Validation: Signature is Valid" in b for b in blocks), out
    assert "Total document signed" in blocks[-1], out


def approved(driver, count: int, **overrides):
    return [driver.to_numbering(subject=f"V/v văn bản thứ {i + 1} của lô", **overrides) for i in range(count)]


def numbered(driver, people, count: int, **overrides):
    processes = approved(driver, count, **overrides)
    for process in processes:
        assert driver.do(people.clerk, process, "number", {"issued_date": _today()}).status_code == 302
    return processes


def tasks(processes, node: str) -> list[str]:
    return [str(open_task(p, node).pk) for p in processes]


def audit_codes(process, code: str) -> int:
    return trail_for(process).filter(code=code).count()


def test_a_leader_signs_three_documents_with_one_pin(driver, people, keys, client, tmp_path):
    processes = numbered(driver, people, 3)
    sign_tasks = [open_task(p, "sign") for p in processes]
    client.force_login(people.leader)

    page = client.get(reverse("workspace:mine")).content.decode()
    assert SIGN_URL in page and "Ký số hàng loạt (3)" in page  # linked from Việc của tôi and the nav
    single = client.get(execute_url(sign_tasks[0])).content.decode()  # the one-document page points to the batch
    assert f'href="{SIGN_URL}"' in single and "Có 3 văn bản đang chờ bước này: làm tất cả cùng lúc" in single
    page = client.get(SIGN_URL).content.decode()
    assert page.count('data-testid="batch-item"') == 3 and 'name="password"' not in page  # just logged in
    assert 'value="protected:user-giamdoc"' in page and 'type="password"' in page  # method and PIN, same page
    assert 'name="otp"' not in page  # none of his methods asks for an OTP

    response = client.post(SIGN_URL, {"tasks": [str(t.pk) for t in sign_tasks], **PIN}, follow=True)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Đã ký số 3 văn bản:" in text and "Không có văn bản nào chờ bạn ký." in text
    for process, task in zip(processes, sign_tasks, strict=True):
        process.refresh_from_db()
        task.refresh_from_db()
        assert process.stage == Stage.SEALING and task.status == STATUS.DONE and task.owner == people.leader
        assert open_task(process, "seal") is not None  # the flow moved on, as after the single sign page
        signed = process.latest_revision(DispatchRevision.Kind.SIGNED)
        final = process.latest_revision(DispatchRevision.Kind.FINAL)
        assert signed.previous == final and signed.pdf.read().startswith(final.pdf.read())  # an incremental update
        assert process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).count() == 1
        report = validate_pdf(signed.pdf.read())
        [signature] = report.signatures
        assert signature.intact and signature.valid and signature.trusted and signature.timestamp_time
        assert_pdfsig_accepts(signed.pdf.read(), tmp_path, process.number.replace("/", "-"), signatures=1)
        assert audit_codes(process, "workflows.dispatch.signed") == 1
    assert len({p.latest_revision(DispatchRevision.Kind.SIGNED).pdf.sha256 for p in processes}) == 3

    again = client.post(SIGN_URL, {"tasks": [str(t.pk) for t in sign_tasks], **PIN}, follow=True)  # double submit

    assert "3 văn bản đã được xử lý ở lần gửi trước; không làm lại." in again.content.decode()
    for process in processes:
        assert process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).count() == 1
        assert audit_codes(process, "workflows.dispatch.signed") == 1


def test_every_other_role_is_refused(driver, people, keys, client):
    [process] = numbered(driver, people, 1)
    ids = tasks([process], "sign")
    for user in (people.author, people.head, people.clerk, people.carrier_user, people.admin):
        client.force_login(user)
        assert client.get(SIGN_URL).status_code == 403, user.username
        assert client.post(SIGN_URL, {"tasks": ids, **PIN}).status_code == 403, user.username
    client.force_login(people.leader)
    for url in (NUMBER_URL, SEAL_URL):
        assert client.get(url).status_code == 403
    client.force_login(people.deputy)  # a leader, but not the one this document waits for
    assert 'data-testid="batch-item"' not in client.get(SIGN_URL).content.decode()
    methods = personal.signing_methods_for(people.deputy)
    data = {"tasks": ids, "method": f"{methods[0].kind}:{methods[0].ref}", "pin": PIN["pin"]}
    text = client.post(SIGN_URL, data, follow=True).content.decode()
    assert "Chưa xong: " in text and "Việc này đã có người khác nhận." in text
    process.refresh_from_db()
    assert process.stage == Stage.SIGNING and not process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).exists()
    client.logout()
    assert client.get(SIGN_URL).status_code == 302  # to the login page


def test_partial_failure_leaves_the_others_signed_and_the_failed_one_in_the_queue(driver, people, keys, client):
    mine = numbered(driver, people, 2)
    [deputys] = numbered(driver, people, 1, signer=str(people.deputy.pk))
    client.force_login(people.leader)

    wrong = client.post(SIGN_URL, {"tasks": tasks(mine, "sign"), **PIN, "pin": "sai-ma-pin-1"}, follow=True)

    text = wrong.content.decode()
    assert text.count("Chưa xong: ") == 2 and "Không có văn bản nào được ký." in text  # the library's reason, each
    for process in mine:
        process.refresh_from_db()
        assert process.stage == Stage.SIGNING and open_task(process, "sign").owner == people.leader
        assert not process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).exists()
        assert audit_codes(process, "workflows.dispatch.sign_failed") == 1 and process.last_error

    ids = [tasks(mine, "sign")[0], tasks([deputys], "sign")[0], tasks(mine, "sign")[1]]
    text = client.post(SIGN_URL, {"tasks": ids, **PIN}, follow=True).content.decode()

    assert "Đã ký số 2 văn bản:" in text and "Việc này đã có người khác nhận." in text
    for process in mine:
        process.refresh_from_db()
        assert process.stage == Stage.SEALING and process.last_error == ""
    deputys.refresh_from_db()
    assert deputys.stage == Stage.SIGNING and open_task(deputys, "sign").status == STATUS.ASSIGNED
    assert not deputys.revisions.filter(kind=DispatchRevision.Kind.SIGNED).exists()


def test_the_proof_of_identity_is_asked_in_the_same_page_when_it_is_old(driver, people, keys, client):
    processes = numbered(driver, people, 2)
    client.force_login(people.leader)
    age_proof(client, STALE)

    page = client.get(SIGN_URL).content.decode()
    assert 'name="code"' in page and "xác thực lại" in page  # the leader has an authenticator: its code

    refused = client.post(SIGN_URL, {"tasks": tasks(processes, "sign"), **PIN, "code": "000000"})
    assert refused.status_code == 200 and "Mã không đúng hoặc đã dùng." in refused.content.decode()
    assert all(open_task(p, "sign") is not None for p in processes)

    time.sleep(1.1)  # after a wrong code django-otp makes the next try wait (a second after the first failure)
    code = current_code(authenticator(people.leader))
    done = client.post(SIGN_URL, {"tasks": tasks(processes, "sign"), **PIN, "code": code})
    assert done.status_code == 302
    assert all(open_task(p, "sign") is None for p in processes)


def test_one_remote_authorisation_covers_the_batch(driver, people, keys, client, remote_provider):
    credential = personal.enrol_remote_credential(
        owner=people.leader, user_ref=HUY.user_id, credential_id="csc-dev/huy"
    )
    processes = numbered(driver, people, 3)
    before = remote_provider.calls()
    client.force_login(people.leader)

    response = client.post(
        SIGN_URL, {"tasks": tasks(processes, "sign"), "method": f"remote:{credential.pk}", "pin": HUY.pin}
    )

    assert response.status_code == 302
    after = remote_provider.calls()
    for call in ("/csc/v2/credentials/authorize", "/csc/v2/signatures/signHash"):
        assert after.get(call, 0) == before.get(call, 0) + 1, (call, before, after)
    for process in processes:
        signed = process.latest_revision(DispatchRevision.Kind.SIGNED).pdf.read()
        report = validate_pdf(signed, trust_roots=[remote_provider.root_der], isolated=False)
        assert report.indication == "TOTAL_PASSED", report.to_dict()


def test_the_clerk_numbers_a_selection_consecutively_in_its_order(driver, people, keys, client):
    processes = approved(driver, 3)
    taken = open_task(processes[1], "number")
    driver.as_(people.clerk2)
    assert client.post(reverse("dispatch:take", args=[taken.pk])).status_code == 302  # another clerk has it
    client.force_login(people.clerk)
    chosen = [processes[2], processes[1], processes[0]]

    text = client.post(
        NUMBER_URL, {"tasks": tasks(chosen, "number"), "issued_date": _today()}, follow=True
    ).content.decode()

    assert "Đã cấp số 2 văn bản:" in text and "Việc này đã có người khác nhận." in text
    for process in processes:
        process.refresh_from_db()
    assert (processes[2].code_number, processes[0].code_number) == (1, 2)  # the selection's order, no gap
    assert processes[1].number == "" and open_task(processes[1], "number").owner == people.clerk2
    for process in (processes[2], processes[0]):
        assert process.stage == Stage.SIGNING and audit_codes(process, "workflows.dispatch.numbered") == 1
        assert open_task(process, "sign").owner == people.leader

    again = client.post(NUMBER_URL, {"tasks": tasks([processes[2]], "sign"), "issued_date": _today()}, follow=True)
    assert "Văn bản này không ở bước này." in again.content.decode()


def test_the_clerk_seals_a_selection_each_as_its_own_revision(driver, people, keys, client, tmp_path):
    processes = numbered(driver, people, 2)
    client.force_login(people.leader)
    assert client.post(SIGN_URL, {"tasks": tasks(processes, "sign"), **PIN}).status_code == 302
    client.force_login(people.clerk)
    assert "Đóng dấu hàng loạt (2)" in client.get(reverse("workspace:mine")).content.decode()
    ids = tasks(processes, "seal")

    assert client.post(SEAL_URL, {"tasks": ids}).status_code == 302
    text = client.post(SEAL_URL, {"tasks": ids}, follow=True).content.decode()  # double submit

    assert "2 văn bản đã được xử lý ở lần gửi trước; không làm lại." in text
    for process in processes:
        process.refresh_from_db()
        assert process.stage == Stage.SENDING and open_task(process, "send") is not None
        assert process.revisions.filter(kind=DispatchRevision.Kind.SEALED).count() == 1
        assert audit_codes(process, "workflows.dispatch.sealed") == 1
        sealed = process.latest_revision(DispatchRevision.Kind.SEALED)
        assert sealed.previous == process.latest_revision(DispatchRevision.Kind.SIGNED)
        report = validate_pdf(sealed.pdf.read())
        assert len(report.signatures) == 2 and all(s.intact and s.valid and s.trusted for s in report.signatures)
        assert_pdfsig_accepts(sealed.pdf.read(), tmp_path, f"sealed-{process.pk}", signatures=2)


def test_a_batch_needs_a_selection_and_has_a_limit(people, db):
    with pytest.raises(batch.DispatchError) as empty:
        batch.seal_selected(user=people.clerk, task_pks=["x"])
    with pytest.raises(batch.DispatchError) as many:
        batch.seal_selected(user=people.clerk, task_pks=range(1, batch.MAX_BATCH + 2))
    assert empty.value.message == "Chưa chọn văn bản nào."
    assert many.value.message == f"Mỗi lần chỉ xử lý tối đa {batch.MAX_BATCH} văn bản; hãy chọn ít hơn."


def test_a_seal_that_cannot_be_applied_leaves_every_document_in_the_queue(driver, people, keys, client, settings):
    processes = numbered(driver, people, 2)
    client.force_login(people.leader)
    assert client.post(SIGN_URL, {"tasks": tasks(processes, "sign"), **PIN}).status_code == 302
    settings.VANTHU_DISPATCH_SEAL_KEY = "khong-co-khoa-nay"  # the organisation's key is missing
    client.force_login(people.clerk)

    text = client.post(SEAL_URL, {"tasks": tasks(processes, "seal")}, follow=True).content.decode()

    assert text.count("Chưa xong: ") == 2 and "Đã đóng dấu" not in text
    for process in processes:
        process.refresh_from_db()
        assert process.stage == Stage.SEALING and process.last_error
        assert not process.revisions.filter(kind=DispatchRevision.Kind.SEALED).exists()
        assert audit_codes(process, "workflows.dispatch.seal_failed") == 1
        assert open_task(process, "seal").status == STATUS.NEW  # still in the clerks' queue, not taken by her
