"""Campaign exports for staff and the ministry: an XLSX workbook and an ND30 report (báo cáo) as DOCX/PDF."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from core.organisation import organisation_info
from core.types import User
from templates_docs.errors import DocumentError
from templates_docs.names import agency_in_text
from templates_docs.services import render_document
from templates_docs.spreadsheets import append_row
from workflows.pledges import selectors
from workflows.pledges.models import Campaign, Pledge


class ReportError(Exception):
    pass


def campaign_xlsx(campaign: Campaign) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    summary = workbook.active
    summary.title = "Tổng hợp"
    append_row(summary, [campaign.title])
    summary["A1"].font = Font(bold=True, size=13)
    append_row(summary, [])
    header = ["", "Đã ký", "Chờ ký", "Từ chối", "Không gửi được thư", "Tổng"]
    for title, rows, with_code in (
        ("Theo xã, phường", selectors.breakdown_by_commune(campaign), True),
        ("Theo loại", selectors.breakdown_by_kind(campaign), False),
    ):
        append_row(summary, [title])
        summary.cell(summary.max_row, 1).font = Font(bold=True)
        append_row(summary, header + (["Mã đơn vị hành chính"] if with_code else []))
        for r in rows:
            append_row(
                summary,
                [r.label, r.signed, r.pending, r.declined, r.bounced, r.total] + ([r.code] if with_code else []),
            )
        append_row(summary, [])
    detail = workbook.create_sheet("Chi tiết")
    append_row(
        detail,
        [
            "Tên",
            "Loại",
            "Xã, phường",
            "Mã số thuế",
            "Trạng thái",
            "Cách ký",
            "Thời điểm ký",
            "Sở xác nhận",
            "Lý do từ chối",
        ],
    )
    for p in campaign.pledges.select_related("carrier__commune").order_by("carrier__commune__name", "carrier__name"):
        append_row(
            detail,
            [
                p.carrier.name,
                p.carrier.get_kind_display(),
                p.carrier.commune.name if p.carrier.commune else "",
                p.carrier.tax_code,
                p.get_status_display(),
                p.get_method_display() if p.method else "",
                timezone.localtime(p.signed_at).strftime("%d/%m/%Y %H:%M") if p.signed_at else "",
                timezone.localtime(p.countersigned_at).strftime("%d/%m/%Y %H:%M") if p.countersigned_at else "",
                p.declined_reason,
            ],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_data(campaign: Campaign) -> dict:
    totals = selectors.dashboard_totals(campaign)
    org = organisation_info()
    body = [
        _(
            "Thực hiện Chỉ thị số 28/CT-BTTTT ngày 08/5/2020 của Bộ Thông tin và Truyền thông, %(agency)s đã tổ chức "
            "cho các doanh nghiệp, điểm phục vụ bưu chính trên địa bàn ký cam kết «%(subject)s». Kết quả như sau:"
        )
        % {
            "agency": agency_in_text(org.get("agency") or "", place=org.get("place") or ""),
            "subject": campaign.pledge_subject,
        },
        _("1. Tổng số đơn vị được mời: %(n)d; đã ký: %(s)d; chưa ký: %(p)d; từ chối: %(d)d; không gửi được thư: %(b)d.")
        % {"n": totals.total, "s": totals.signed, "p": totals.pending, "d": totals.declined, "b": totals.bounced},
    ]
    communes = selectors.breakdown_by_commune(campaign)
    body.append(
        _("2. Kết quả theo xã, phường (%(n)d xã, phường có đơn vị được mời):")
        % {"n": sum(1 for r in communes if r.code)}
    )
    body += [
        f"- {r.label}: {r.signed}/{r.total} đơn vị đã ký" + (f", {r.declined} từ chối" if r.declined else "") + ";"
        for r in communes
    ]
    body.append(_("3. Kết quả theo loại:"))
    body += [f"- {r.label}: {r.signed}/{r.total} đơn vị đã ký;" for r in selectors.breakdown_by_kind(campaign)]
    methods = {
        label: campaign.pledges.filter(status=Pledge.Status.SIGNED, method=value).count()
        for value, label in Pledge.Method.choices
    }
    body.append(_("4. Hình thức ký: ") + "; ".join(f"{k}: {v}" for k, v in methods.items()) + ".")
    body.append(
        _("Các bản cam kết đã ký được lưu trữ điện tử, có mã xác thực để tra cứu công khai trên Cổng thông tin của Sở.")
    )
    return {
        "number": None,
        "issued_date": timezone.localdate().isoformat(),
        "subject": _("Kết quả ký cam kết «%(subject)s»") % {"subject": campaign.pledge_subject},
        "addressees": ["Bộ Khoa học và Công nghệ"],  # the postal sector's ministry since 1 March 2025
        "body": "\n\n".join(body),
        "signer": selectors.department_head(),
        "recipients": ["Như trên", "UBND tỉnh (để b/c)", "Lưu: VT, TTr."],
        "verification_url": "",
    }


def campaign_report(*, campaign: Campaign, user: User | None = None):
    """The ND30 report as a draft (the number and signature come through the dispatch flow)."""
    try:
        return render_document(
            doc_type="bao-cao", data=report_data(campaign), organisation=organisation_info(), draft=True
        )
    except DocumentError as exc:
        raise ReportError(_("Không tạo được báo cáo: %(e)s") % {"e": getattr(exc, "user_message", exc)}) from exc
