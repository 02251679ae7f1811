"""Reads of the pledge campaign: what other apps may use (the cms campaign page: counters, the public list of
signatories), the staff dashboard's figures, a campaign's targets, the pledge a visitor may open, the head of the
department who signs certificates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from core.models import StaffProfile
from core.organisation import organisation_info
from core.roles import Role
from workflows.pledges.models import Campaign, Carrier, Pledge

SESSION_KEY = "pledges_access"  # the public ids of the pledges this browser session unlocked by OTP


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
    commune: str
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
    pledges = Pledge.objects.filter(campaign=campaign, status=Pledge.Status.SIGNED).select_related("carrier__commune")
    if query:
        pledges = pledges.filter(Q(carrier__name__icontains=query) | Q(carrier__commune__name__icontains=query))
    return [
        Signatory(
            name=p.carrier.name, commune=p.carrier.commune.name if p.carrier.commune else "", signed_at=p.signed_at
        )
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


def breakdown_by_commune(campaign: Campaign) -> list[BreakdownRow]:
    return _breakdown(campaign, "commune__name")


def breakdown_by_kind(campaign: Campaign) -> list[BreakdownRow]:
    return _breakdown(campaign, "kind", {k: str(v) for k, v in Carrier.Kind.choices})


def dashboard_totals(campaign: Campaign) -> BreakdownRow:
    rows = breakdown_by_kind(campaign)
    return BreakdownRow(
        label="",
        **{status.value: sum(getattr(r, status.value) for r in rows) for status in DASHBOARD_STATUSES},
    )


# --- the campaign and its carriers --------------------------------------------------------------


def campaign_targets(campaign: Campaign) -> QuerySet[Carrier]:
    carriers = Carrier.objects.filter(is_active=True).exclude(email="")
    if campaign.target == Campaign.Target.COMMUNE:
        carriers = carriers.filter(commune__in=campaign.target_communes.all())
    elif campaign.target == Campaign.Target.KIND:
        carriers = carriers.filter(kind__in=campaign.target_kinds)
    elif campaign.target == Campaign.Target.PICKED:
        carriers = carriers.filter(pk__in=campaign.target_carriers.values("pk"))
    return carriers.order_by("pk")


def visible_pledge(*, request: HttpRequest, public_id) -> Pledge | None:
    """The pledge this visitor may act on: one unlocked by OTP in this session or one of the user's carriers."""
    pledge = Pledge.objects.select_related("carrier", "campaign").filter(public_id=public_id).first()
    if pledge is None:
        return None
    if str(pledge.public_id) in request.session.get(SESSION_KEY, []):
        return pledge
    user = request.user
    if user.is_authenticated and pledge.carrier.users.filter(pk=user.pk).exists():
        return pledge
    return None


def department_head() -> dict[str, str]:
    """The head of the department signs certificates: the leadership member titled GIÁM ĐỐC, else the first one."""
    profiles = StaffProfile.objects.filter(user__groups__name=Role.LEADERSHIP.value, user__is_active=True)
    profile = profiles.filter(title__iexact="GIÁM ĐỐC").first() or profiles.order_by("pk").first()
    if profile is None:
        return {"name": organisation_info().get("agency", ""), "title": "GIÁM ĐỐC"}
    user = profile.user
    name = f"{user.last_name} {user.first_name}".strip() or user.get_username()
    return {"name": name, "title": profile.title.upper() or "GIÁM ĐỐC"}
