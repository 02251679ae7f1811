"""Demo dispatches in every state, so a newcomer sees the whole process at once. Idempotent.

- a draft being written (chuyenvien),
- one waiting for the head of unit's review,
- one returned by the head of unit with a comment,
- the Lạng Sơn dispatch of the seeds (implementing Chỉ thị 28) as it would be written in 2026 (to the communes'
  people's committees, under the configured agency's name), numbered, signed by the director, sealed, sent to a
  carrier and published.

Each demo process carries `data["demo_key"]`; a key already present is left alone. The flow is driven in code
through the same services the web UI calls.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from viewflow.workflow import STATUS

from core.organisation import organisation_info
from core.seeds import get_seed
from places.services import find_commune
from templates_docs.names import agency_in_text
from workflows.pledges.models import Carrier

from .drafts import DraftData, RecipientSpec
from .flows import DispatchFlow
from .models import DispatchProcess, DispatchRecipient
from .services import decisions, delivery, drafting, issuing


def _user(username: str):
    return get_user_model().objects.get(username=username)


def start(*, author, data: DraftData, demo_key: str) -> DispatchProcess:
    """Start a dispatch from code, exactly as the start view does."""
    with transaction.atomic():
        activation = DispatchFlow.start.activation_class.create(DispatchFlow.start, None, None)
        activation.start(SimpleNamespace(user=author))
        activation.process.data = {"demo_key": demo_key}
        process = drafting.start_draft(process=activation.process, author=author, data=data)
        activation.execute()
    return process


def complete(process: DispatchProcess, node: str, user, action) -> None:
    """Take the open task of `node` (if queued), run `action(process)` and complete the task, as the step view does.

    The action gets the activation's own process instance: the flow's gates read it and its end saves it.
    """
    task = process.task_set.get(flow_task=getattr(DispatchFlow, node), status__in=[STATUS.NEW, STATUS.ASSIGNED])
    with transaction.atomic(), task.activation() as activation:
        if task.owner_id is None:
            activation.assign(user)
    with transaction.atomic(), task.activation() as activation:
        activation.start(SimpleNamespace(user=user))
        action(activation.process)
        activation.execute()
    process.refresh_from_db()


def _sign_as(process: DispatchProcess, leader) -> None:
    """The demo leader signs with his first method and the development signing PIN (docs/signing.md)."""
    method = issuing.signing_methods(leader)[0]
    issuing.sign_dispatch(
        process=process, user=leader, method=f"{method.kind}:{method.ref}", pin=settings.SIGNING_DEV_SIGNING_PIN
    )


def _data(**overrides) -> DraftData:
    values = {
        "doc_type": "cong-van",
        "subject": "",
        "body": "",
        "signer": _user("phogiamdoc"),
        "authority_prefix": "KT.",
        "authority_title": "GIÁM ĐỐC",
        "drafting_unit": "TTr",
        "addressees": ["Các doanh nghiệp bưu chính trên địa bàn tỉnh"],
        "recipients": [RecipientSpec(kind=DispatchRecipient.Kind.TEXT, name="Giám đốc Sở (b/c)")],
    }
    values.update(overrides)
    return DraftData(**values)


def _submitted(author, demo_key: str, **data) -> DispatchProcess:
    """A demo draft started and submitted to the head of unit."""
    process = start(author=author, demo_key=demo_key, data=_data(**data))
    complete(process, "draft", author, lambda p: drafting.submit_draft(process=p, user=author))
    return process


def _demo_carrier(stdout: TextIO) -> Carrier:
    account = get_user_model().objects.filter(username="doanhnghiep").first()
    carrier = Carrier.objects.filter(users=account).first() if account else None
    if carrier is None:
        carrier, _ = Carrier.objects.get_or_create(
            name="Bưu điện tỉnh Lạng Sơn",
            tax_code="4900100001",
            licence_number="",
            defaults={"commune": find_commune(text="Phường Lương Văn Tri"), "email": "buudien.langson@vanthu.local"},
        )
        if account:
            carrier.users.add(account)
    return carrier


def _agency() -> str:
    """The configured agency as running text names it ("Sở Khoa học và Công nghệ")."""
    org = organisation_info()
    return agency_in_text(org.get("agency") or "", place=org.get("place") or "")


def _lang_son_2026_body() -> str:
    """The 2020 công văn of the seeds (Chỉ thị 28) written again as the agency would send it in 2026: to the
    communes' people's committees (no district level since 1 July 2025), under the agency's current name."""
    agency = _agency()
    return "\n".join(
        [
            f"Thực hiện chức năng quản lý nhà nước về bưu chính của {agency}; nhằm tiếp tục triển khai Chỉ thị số "
            "28/CT-BTTTT ngày 08/5/2020 của Bộ trưởng Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và Công "
            "nghệ) về tăng cường bảo đảm an toàn, an ninh bưu chính và nâng cao hiệu quả phòng, chống việc chấp "
            "nhận, vận chuyển và phát hàng lậu, hàng cấm qua đường bưu chính (sau đây gọi tắt là Chỉ thị 28), "
            f"{agency} đề nghị các cơ quan, đơn vị thực hiện các nội dung sau:",
            "**1. Đối với Ủy ban nhân dân các xã, phường**",
            "- Tuyên truyền Chỉ thị 28 đến các doanh nghiệp, điểm cung cấp dịch vụ bưu chính trên địa bàn xã, "
            "phường nhằm nâng cao ý thức tuân thủ pháp luật của tổ chức, cá nhân khi tham gia cung ứng dịch vụ bưu "
            "chính.",
            "- Phối hợp với Thanh tra Sở và các cơ quan chức năng khi phát hiện doanh nghiệp cung ứng dịch vụ bưu "
            "chính có dấu hiệu vi phạm pháp luật để kịp thời ngăn chặn, xử lý theo quy định.",
            "**2. Đối với các doanh nghiệp bưu chính trên địa bàn tỉnh**",
            "- Tuyên truyền, tập huấn các biện pháp bảo đảm an toàn, an ninh trong cung ứng dịch vụ bưu chính và "
            "các quy định của pháp luật liên quan cho người lao động tại các bưu cục, điểm phục vụ.",
            "- Các doanh nghiệp, điểm cung cấp dịch vụ bưu chính ký cam kết “Nói không với việc chấp nhận, vận "
            "chuyển và phát hàng lậu, hàng cấm qua đường bưu chính” trên Cổng thông tin điện tử của Sở.",
            "- Chủ động phối hợp với cơ quan nhà nước có thẩm quyền tại xã, phường hướng dẫn, phát hiện và xử lý "
            "các trường hợp gây mất an toàn, an ninh trong cung ứng và sử dụng dịch vụ bưu chính.",
            "Trong quá trình triển khai thực hiện, nếu có vướng mắc, đề nghị Quý cơ quan, đơn vị liên hệ Thanh tra "
            f"Sở, {agency} để được hướng dẫn.",
        ]
    )


LANG_SON_2026_SUBJECT = (
    "V/v tiếp tục triển khai Chỉ thị 28/CT-BTTTT và tổ chức ký cam kết “Nói không với hàng lậu, hàng cấm qua "
    "đường bưu chính” năm 2026"
)
LANG_SON_2026_ADDRESSEES = [
    "Ủy ban nhân dân các xã, phường trên địa bàn tỉnh",
    "Các doanh nghiệp bưu chính trên địa bàn tỉnh",
]


def _lang_son(carrier: Carrier) -> DraftData:
    meta = get_seed("cong-van-lang-son").meta
    kept = [r for r in meta["recipients"] if r != "Như trên" and not r.startswith("Lưu")]
    return _data(
        subject=LANG_SON_2026_SUBJECT,
        body=_lang_son_2026_body(),
        signer=_user("giamdoc"),
        authority_prefix="",
        authority_title="",
        addressees=list(LANG_SON_2026_ADDRESSEES),
        is_public=True,
        recipients=[
            RecipientSpec(kind=DispatchRecipient.Kind.CARRIER, name=carrier.name, carrier_id=carrier.pk),
            RecipientSpec(
                kind=DispatchRecipient.Kind.UNIT,
                name="Phòng Thông tin - Báo chí - Xuất bản",
                unit_abbreviation="TTBCXB",
            ),
            *[RecipientSpec(kind=DispatchRecipient.Kind.TEXT, name=name) for name in kept],
        ],
    )


def load(stdout: TextIO) -> None:
    existing = set(DispatchProcess.objects.filter(data__has_key="demo_key").values_list("data__demo_key", flat=True))
    author, head, clerk = _user("chuyenvien"), _user("truongphong"), _user("vanthu")

    if "draft" not in existing:
        start(
            author=author,
            demo_key="draft",
            data=_data(
                subject="V/v kiểm tra hoạt động các điểm phục vụ bưu chính dịp Tết",
                body=f"{_agency()} đề nghị các doanh nghiệp bưu chính rà soát các điểm phục vụ.\n(Dự thảo đang soạn.)",
            ),
        )
        stdout.write("dispatch: a draft being written\n")

    if "review" not in existing:
        _submitted(
            author,
            "review",
            subject="V/v báo cáo tình hình bảo đảm an toàn, an ninh bưu chính quý I",
            body="Đề nghị các doanh nghiệp bưu chính báo cáo tình hình bảo đảm an toàn, an ninh bưu chính quý I "
            "trước ngày 10/4./.",
            urgency="khan",
        )
        stdout.write("dispatch: one waiting for review\n")

    if "returned" not in existing:
        process = _submitted(
            author,
            "returned",
            subject="V/v tuyên truyền quy định về vật phẩm, hàng hóa cấm gửi qua bưu chính",
            body="Đề nghị các doanh nghiệp niêm yết danh mục vật phẩm, hàng hóa cấm gửi tại các điểm phục vụ./.",
        )
        complete(
            process,
            "review",
            head,
            lambda p: decisions.review_dispatch(
                process=p,
                user=head,
                decision=decisions.RETURNED,
                comment="Bổ sung căn cứ Điều 12 Luật Bưu chính và thời hạn niêm yết.",
            ),
        )
        stdout.write("dispatch: one returned with a comment\n")

    if "lang-son" not in existing:
        leader = _user("giamdoc")
        process = start(author=author, demo_key="lang-son", data=_lang_son(_demo_carrier(stdout)))
        complete(process, "draft", author, lambda p: drafting.submit_draft(process=p, user=author))
        complete(
            process,
            "review",
            head,
            lambda p: decisions.review_dispatch(process=p, user=head, decision=decisions.APPROVED, comment="Đồng ý."),
        )
        complete(
            process,
            "approve",
            leader,
            lambda p: decisions.approve_dispatch(process=p, user=leader, decision=decisions.APPROVED),
        )
        complete(process, "number", clerk, lambda p: issuing.number_dispatch(process=p, user=clerk))
        complete(process, "sign", leader, lambda p: _sign_as(p, leader))
        complete(process, "seal", clerk, lambda p: issuing.seal_dispatch(process=p, user=clerk))
        complete(process, "send", clerk, lambda p: delivery.send_dispatch(process=p, user=clerk))
        stdout.write(f"dispatch: the Lạng Sơn dispatch {process.number}, signed, sealed, sent and published\n")
