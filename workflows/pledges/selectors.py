"""Reads of the pledge campaign: what other apps may use (the cms campaign page: counters, the public list of
signatories), the staff dashboard's figures, a campaign's targets, the pledge a visitor may open, the head of the
department who signs certificates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.models import StaffProfile
from core.organisation import organisation_info
from core.roles import Role
from core.text import fold
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
    code: str = ""

    @property
    def total(self) -> int:
        return self.signed + self.pending + self.declined + self.bounced

    @property
    def unsigned(self) -> int:
        return self.total - self.signed

    @property
    def share(self) -> int:
        """The signed share in whole per cent (0 for an empty row)."""
        return round(100 * self.signed / self.total) if self.total else 0


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
    """One row per commune with invited carriers (and "—" for carriers not yet placed), by name."""
    rows = (
        Pledge.objects.filter(campaign=campaign)
        .exclude(status=Pledge.Status.REVOKED)
        .values("carrier__commune__code", "carrier__commune__name")
        .annotate(**{status.value: Count("id", filter=Q(status=status)) for status in DASHBOARD_STATUSES})
    )
    result = [
        BreakdownRow(
            label=row["carrier__commune__name"] or _("Chưa xác định xã, phường"),
            code=row["carrier__commune__code"] or "",
            **{status.value: row[status.value] for status in DASHBOARD_STATUSES},
        )
        for row in rows
    ]
    return sorted(result, key=lambda r: fold(r.label))


def _sum(rows: list[BreakdownRow]) -> BreakdownRow:
    return BreakdownRow(
        label="", **{status.value: sum(getattr(r, status.value) for r in rows) for status in DASHBOARD_STATUSES}
    )


COMMUNE_SORTS = {
    "name": lambda r: fold(r.label),
    "signed": lambda r: (-r.share, -r.signed, fold(r.label)),
    "unsigned": lambda r: (-r.unsigned, r.share, fold(r.label)),
}


@dataclass(frozen=True)
class CommuneSummary:
    """The commune breakdown for a phone: totals, the best and the furthest behind, then the searched rows."""

    rows: list[BreakdownRow]
    rows_total: BreakdownRow
    total: BreakdownRow
    communes: int
    top: list[BreakdownRow]
    bottom: list[BreakdownRow]
    query: str
    sort: str


def commune_summary(campaign: Campaign, *, query: str = "", sort: str = "name", extremes: int = 5) -> CommuneSummary:
    """`query` matches a commune's name (diacritics optional) or code; `sort` is a key of COMMUNE_SORTS."""
    rows = breakdown_by_commune(campaign)
    sort = sort if sort in COMMUNE_SORTS else "name"
    placed = [r for r in rows if r.code]
    wanted = " ".join(fold(query).split())
    shown = [r for r in rows if not wanted or wanted in fold(r.label) or wanted == r.code]
    return CommuneSummary(
        rows=sorted(shown, key=COMMUNE_SORTS[sort]),
        rows_total=_sum(shown),
        total=_sum(rows),
        communes=len(placed),
        top=sorted(placed, key=COMMUNE_SORTS["signed"])[:extremes],
        bottom=[r for r in sorted(placed, key=COMMUNE_SORTS["unsigned"]) if r.unsigned][:extremes],
        query=query,
        sort=sort,
    )


def breakdown_by_kind(campaign: Campaign) -> list[BreakdownRow]:
    return _breakdown(campaign, "kind", {k: str(v) for k, v in Carrier.Kind.choices})


def dashboard_totals(campaign: Campaign) -> BreakdownRow:
    return _sum(breakdown_by_kind(campaign))


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
