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


# --- staff dashboard ---------------------------------------------------------------------------

DASHBOARD_STATUSES = (Pledge.Status.SIGNED, Pledge.Status.PENDING, Pledge.Status.DECLINED, Pledge.Status.BOUNCED)


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    signed: int
    pending: int
    declined: int
    bounced: int

    @property
    def total(self) -> int:
        return self.signed + self.pending + self.declined + self.bounced


def _breakdown(campaign: Campaign, field: str, labels: dict[str, str] | None = None) -> list[BreakdownRow]:
    rows = (
        Pledge.objects.filter(campaign=campaign)
        .exclude(status=Pledge.Status.REVOKED)
        .values(f"carrier__{field}")
        .annotate(**{status.value: Count("id", filter=Q(status=status)) for status in DASHBOARD_STATUSES})
        .order_by(f"carrier__{field}")
    )
    return [
        BreakdownRow(
            label=(labels or {}).get(row[f"carrier__{field}"], row[f"carrier__{field}"]) or "—",
            **{status.value: row[status.value] for status in DASHBOARD_STATUSES},
        )
        for row in rows
    ]


def breakdown_by_district(campaign: Campaign) -> list[BreakdownRow]:
    return _breakdown(campaign, "district")


def breakdown_by_kind(campaign: Campaign) -> list[BreakdownRow]:
    from workflows.pledges.models import Carrier

    return _breakdown(campaign, "kind", {k: str(v) for k, v in Carrier.Kind.choices})


def dashboard_totals(campaign: Campaign) -> BreakdownRow:
    rows = breakdown_by_kind(campaign)
    return BreakdownRow(
        label="",
        **{status.value: sum(getattr(r, status.value) for r in rows) for status in DASHBOARD_STATUSES},
    )
