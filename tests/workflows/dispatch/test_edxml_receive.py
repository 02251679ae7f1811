"""What vanthu writes as edXML, read back as the receiver reads it (workflows.incoming.packages): the header, the
signed PDF and its verdict, the address check; tampered, unsigned, misaddressed and hostile packages refused."""

from __future__ import annotations

import base64
import io
import re
import zipfile

import pytest
from django.urls import reverse

from workflows.dispatch.models import DispatchRecipient
from workflows.incoming.packages import UnreadablePackage, assess_package, read_package

RECEIVER = "000.00.20.H41"  # the agency line of the `issued` dispatch


@pytest.fixture
def package(issued, client, people) -> bytes:
    line = issued.recipients.get(kind=DispatchRecipient.Kind.AGENCY)
    client.force_login(people.clerk)
    response = client.get(reverse("dispatch:edxml", args=[issued.pk, line.pk]))
    assert response.status_code == 200
    return response.content


def _content(data: bytes) -> bytes:
    return base64.b64decode(re.search(rb"<(?:\w+:)?AttachmentText>([^<]+)<", data).group(1))


def _with_content(data: bytes, content: bytes) -> bytes:
    """The same package with its attachment's base64 replaced."""
    return re.sub(
        rb"(<(?:\w+:)?AttachmentText>)[^<]+(<)",
        lambda m: m.group(1) + base64.b64encode(content) + m.group(2),
        data,
        count=1,
    )


def test_vanthus_own_package_is_read_and_accepted_by_its_addressee(package, issued, settings):
    read = read_package(package)
    assert read.number == issued.number and read.subject == issued.subject
    assert read.promulgation_date == issued.issued_date
    assert [r.organ_id for r in read.recipients] == [RECEIVER]
    assert read.sender.organ_id == settings.VANTHU_EDXML_ORGAN_ID
    (attachment,) = read.attachments
    assert attachment.is_pdf and attachment.data.startswith(b"%PDF")
    assessment = assess_package(read, organ_id=RECEIVER)
    assert assessment.refusal is None, assessment.refusal
    assert assessment.checks[0].verdict == "TOTAL_PASSED"


def test_misaddressed_tampered_and_unsigned_packages_are_refused_with_the_reason(package):
    misaddressed = assess_package(read_package(package), organ_id="000.00.99.H99")
    assert "không gửi đến cơ quan này" in misaddressed.refusal.message

    pdf = _content(package)
    at = pdf.index(b"\n%", 5) + 2  # a byte of the binary comment after the header: inside the signed range
    tampered = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    refused = assess_package(read_package(_with_content(package, tampered)), organ_id=RECEIVER)
    assert refused.refusal is not None and "không hợp lệ" in refused.refusal.message

    refused = assess_package(read_package(_with_content(package, _unsigned_pdf())), organ_id=RECEIVER)
    assert refused.refusal is not None and "không có chữ ký số" in refused.refusal.message


def _unsigned_pdf() -> bytes:
    from tests.signing_support import sample_pdf

    return sample_pdf()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("van-ban.pdf", b"\0" * (300 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p[: len(p) // 2], "XML hỏng"),
        (
            lambda p: (
                b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
                + p[p.index(b"<", 5) :].replace(b"</", b"&b;</", 1)
            ),
            "thực thể XML",
        ),
        (lambda p: _with_content(p, b"").replace(b"AttachmentText>", b"AttachmentText>!!!", 1), None),
        (lambda p: _with_content(p, _zip_bomb()), "bom nén"),
    ],
    ids=["broken-xml", "entity-bomb", "bad-base64", "zip-bomb"],
)
def test_hostile_packages_are_unreadable_never_half_read(package, make, words):
    with pytest.raises(UnreadablePackage) as refused:
        read_package(make(package))
    assert refused.value.message
    if words:
        assert words in refused.value.message, refused.value.message
