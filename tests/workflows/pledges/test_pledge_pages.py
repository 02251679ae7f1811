"""The pledge's text as page images on the carrier's page, for phones without a PDF viewer: one PNG per page of
the issued PDF, served only to whoever may open the pledge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.files import store_file
from tests.factories import PledgeFactory
from tests.signing_support import sample_pdf
from tests.workflows.pledges.test_carrier_pages import _unlock
from workflows.pledges.services import invitations

pytestmark = pytest.mark.django_db


def test_the_carrier_reads_each_page_of_its_pledge_as_an_image_and_nobody_else_does(
    client, campaign, carriers, helpers
):
    mine = PledgeFactory(campaign=campaign, carrier=carriers[0])
    mine.issued_pdf = store_file(sample_pdf(2, title="Ban cam ket"), filename="ban-cam-ket.pdf")
    mine.save(update_fields=["issued_pdf"])
    other = PledgeFactory(campaign=campaign, carrier=carriers[1])
    other.issued_pdf = store_file(sample_pdf(1, title="Ban khac"), filename="ban-khac.pdf")
    other.save(update_fields=["issued_pdf"])

    assert client.get(reverse("pledges:page", args=[mine.public_id, 1])).status_code == 404  # before the OTP
    _unlock(client, invitations.new_invitation_token(pledge=mine), mine, helpers)
    page = client.get(reverse("pledges:pledge", args=[mine.public_id])).content.decode()
    for number in (1, 2):
        assert reverse("pledges:page", args=[mine.public_id, number]) in page
        assert f'alt="Bản cam kết, trang {number}/2"' in page
    image = client.get(reverse("pledges:page", args=[mine.public_id, 2]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(reverse("pledges:page", args=[mine.public_id, 3])).status_code == 404  # past the last page
    assert client.get(reverse("pledges:page", args=[other.public_id, 1])).status_code == 404  # another carrier's
