"""Fixtures of the pledge tests: a small registry, a running campaign, pledges issued with real rendered PDFs.

Rendering goes through LibreOffice once per carrier identity per session; later tests reuse those real PDFs
(`RENDERED`) and only store and register them again in their own transaction.
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone

from core.roles import Role
from tests.factories import LANG_SON_CARRIERS, CampaignFactory, PledgeFactory
from workflows.pledges.models import OtpChallenge, Pledge
from workflows.pledges.services import issuance, otp

RENDERED: dict[tuple, issuance.RenderedPledge] = {}


@pytest.fixture
def carriers(lang_son_carriers):
    return lang_son_carriers


@pytest.fixture
def campaign(db, make_user):
    return CampaignFactory(slug="noi-khong-2026", created_by=make_user(Role.STAFF, username="chuyenvien"))


@pytest.fixture
def issue(signing_keys, settings):
    settings.VANTHU_PLEDGES_EMAIL_RETRY_DELAY = 0

    def _issue(pledge: Pledge) -> Pledge:
        key = (pledge.carrier.name, pledge.carrier.tax_code, pledge.carrier.representative, pledge.campaign.pledge_body)
        if key not in RENDERED:
            RENDERED[key] = issuance.render_pledge(pledge=pledge)
        return issuance.record_issued_pdf(pledge=pledge, rendered=RENDERED[key])

    return _issue


@pytest.fixture
def pledges(campaign, carriers, issue):
    return [issue(PledgeFactory(campaign=campaign, carrier=c)) for c in carriers]


def last_code(to: str) -> str:
    """The OTP in the newest e-mail sent to `to` (locmem backend)."""
    for message in reversed(mail.outbox):
        if to in message.to:
            match = re.search(r"\b(\d{6})\b", message.body)
            if match:
                return match.group(1)
    raise AssertionError(f"no OTP sent to {to}")


def fresh_sign_code(pledge: Pledge) -> str:
    OtpChallenge.objects.filter(pledge=pledge).update(created_at=timezone.now() - timedelta(minutes=2))
    otp.send_otp(pledge=pledge, purpose=OtpChallenge.Purpose.SIGN)
    return last_code(pledge.carrier.email)


@pytest.fixture
def helpers():
    return SimpleNamespace(last_code=last_code, fresh_sign_code=fresh_sign_code)


@pytest.fixture(scope="session")
def carrier_certificates(signing_pki):
    """PKCS#12 (bytes, password) per tax code, issued by the development carrier CA, like a public CA would."""
    from signing.devpki import issue_carrier_certificate

    return {
        tax: issue_carrier_certificate(name=name, tax_code=tax)
        for name, _kind, tax, _commune, _rep in LANG_SON_CARRIERS
    }


@pytest.fixture(scope="session")
def untrusted_certificate(tmp_path_factory):
    """A certificate for the first carrier from a CA nobody configured as trusted."""
    from signing.devpki import DevPki

    rogue = DevPki(tmp_path_factory.mktemp("rogue-pki"), agency="CA giả mạo")
    rogue.ensure()
    name, _kind, tax, _commune, _rep = LANG_SON_CARRIERS[0]
    return rogue.issue_pkcs12(common_name=name, organisation=name, uid=f"MST:{tax}", issuer="carrier-ca")


def offline_sign(pdf: bytes, certificate: tuple[bytes, bytes]) -> bytes:
    """What the carrier's CA software does with the downloaded pledge: one PAdES signature, nothing else."""
    from signing import services as signing

    pkcs12, password = certificate
    return signing.sign_pdf_with_pkcs12(pdf, pkcs12=pkcs12, password=password, level="B-T", appearance="none")
