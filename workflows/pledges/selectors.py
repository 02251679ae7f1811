"""Reads other apps may use (the cms campaign page): counters and the public list of signatories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from workflows.pledges.models import Campaign, Pledge


@dataclass(frozen=True)
class CampaignCounters:
    total: int
    signed: int
    pending: int
    declined: int


@dataclass(frozen=True)
class Signatory:
    """What the public may see of a signed pledge: no personal data."""

    name: str
    district: str
    signed_at: datetime


def campaign_counters(campaign: Campaign) -> CampaignCounters:
    counts = Pledge.objects.filter(campaign=campaign).aggregate(
        total=Count("id", filter=~Q(status=Pledge.Status.REVOKED)),
        signed=Count("id", filter=Q(status=Pledge.Status.SIGNED)),
        pending=Count("id", filter=Q(status=Pledge.Status.PENDING)),
        declined=Count("id", filter=Q(status=Pledge.Status.DECLINED)),
    )
    return CampaignCounters(**counts)


def public_signatories(campaign: Campaign, *, query: str = "") -> list[Signatory]:
    pledges = Pledge.objects.filter(campaign=campaign, status=Pledge.Status.SIGNED).select_related("carrier")
    if query:
        pledges = pledges.filter(Q(carrier__name__icontains=query) | Q(carrier__district__icontains=query))
    return [
        Signatory(name=p.carrier.name, district=p.carrier.district, signed_at=p.signed_at)
        for p in pledges.order_by("-signed_at")
    ]
