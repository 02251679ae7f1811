"""The document beside the form as page images: rendered from the draft PDF by poppler, cached per PDF hash, served
under the same rules as the PDF itself; a save renders a new draft PDF only when there is something new to print."""

from __future__ import annotations

import struct

import pytest
from django.core.cache import cache
from django.urls import reverse

from templates_docs.previews import PREVIEW_WIDTH
from workflows.dispatch.models import DispatchRevision

from .conftest import draft_payload, execute_url, open_task

pytestmark = pytest.mark.django_db


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def page_url(revision, page: int = 1) -> str:
    return reverse("dispatch:revision_page", args=[revision.process_id, revision.pk, page])


def test_a_new_draft_is_shown_beside_its_form_as_page_images(driver, people):
    process = driver.start()
    revision = process.latest_revision(DispatchRevision.Kind.DRAFT)
    assert revision is not None and revision.page_count >= 1
    page = driver.client.get(execute_url(open_task(process, "draft"))).content.decode()
    assert f'src="{page_url(revision)}"' in page
    assert "Trang 1/" in page  # the image's alternative text

    response = driver.client.get(page_url(revision))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    width, height = png_size(response.content)
    assert width == PREVIEW_WIDTH and 1.38 < height / width < 1.44  # an A4 page
    assert cache.get(f"vanthu:page-image:{revision.pdf.sha256}:1:{PREVIEW_WIDTH}") == response.content


def test_page_images_follow_the_rules_of_the_pdf(driver, people, client):
    process = driver.start()
    revision = process.latest_revision(DispatchRevision.Kind.DRAFT)
    assert driver.client.get(page_url(revision, revision.page_count + 1)).status_code == 404
    client.logout()
    assert client.get(page_url(revision)).status_code == 302  # to the login page
    client.force_login(people.carrier_user)  # a recipient: only the issued revision, never a draft
    assert client.get(page_url(revision)).status_code == 403
    assert client.get(reverse("dispatch:revision", args=[process.pk, revision.pk])).status_code == 403


def test_a_save_renders_a_new_preview_only_when_something_changed(driver, people):
    process = driver.start()
    drafts = process.revisions.filter(kind=DispatchRevision.Kind.DRAFT)
    assert drafts.count() == 1
    driver.do(people.author, process, "draft", {**draft_payload(people), "action": "save"})
    assert drafts.count() == 1  # nothing new to print
    driver.do(people.author, process, "draft", {**draft_payload(people, subject="V/v một trích yếu khác")})
    assert drafts.count() == 2
    assert process.latest_revision(DispatchRevision.Kind.DRAFT).pdf.sha256 != drafts.first().pdf.sha256


def test_the_revisions_list_marks_the_draft_that_was_submitted(driver, people):
    process = driver.start()
    driver.do(people.author, process, "draft", {**draft_payload(people, subject="V/v sửa trước khi trình")})
    driver.submit(process, subject="V/v trích yếu đã trình")
    submitted = process.versions.get().draft
    page = driver.client.get(reverse("dispatch:detail", args=[process.pk])).content.decode()
    rows = [row for row in page.split("<tr>") if "download-revision" in row]
    assert len(rows) == 3  # created, saved with a change, submitted
    marked = [row for row in rows if "bản đã trình" in row]
    assert len(marked) == 1 and f"/ban/{submitted.pk}/" in marked[0]
