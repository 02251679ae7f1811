"""factory_boy factories for the models tests build (one per model); fixtures compose them.

`LANG_SON_CARRIERS` is the small registry both the dispatch and the pledge tests use (the `lang_son_carriers`
fixture in tests/conftest.py builds it).
"""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.models import DraftingUnit, OrganisationSettings, StaffProfile
from places.models import Commune
from places.services import find_commune, sync_units
from templates_docs.services import next_number
from workflows.incoming.models import INCOMING_SERIES, Channel, IncomingDocument, Status
from workflows.pledges.models import Campaign, Carrier, Pledge


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="vi_VN")
    last_name = factory.Faker("last_name", locale="vi_VN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.vn")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    title = "Chuyên viên"
    unit_abbreviation = "TTr"


class DraftingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DraftingUnit

    organisation = factory.LazyFunction(OrganisationSettings.load)
    name = factory.Sequence(lambda n: f"Phòng {n}")
    abbreviation = factory.Sequence(lambda n: f"P{n}")


class CarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Carrier

    name = factory.Sequence(lambda n: f"Bưu cục số {n}")
    kind = Carrier.Kind.ENTERPRISE
    tax_code = factory.Sequence(lambda n: f"48001{n:05d}")
    licence_number = factory.Sequence(lambda n: f"{100 + n}/GP-BTTTT")
    address = factory.Sequence(lambda n: f"Số {n + 1} đường Trần Đăng Ninh, Phường Lương Văn Tri, tỉnh Lạng Sơn")
    commune = factory.LazyFunction(lambda: commune("Phường Lương Văn Tri"))
    representative = "Nguyễn Văn Bình"
    representative_title = "Giám đốc"
    email = factory.Sequence(lambda n: f"dn{n}@example.vn")
    phone = "0205 3870 000"


# name, kind, tax code, commune, representative
LANG_SON_CARRIERS = (
    ("Bưu điện tỉnh Lạng Sơn", Carrier.Kind.ENTERPRISE, "4900100001", "Phường Lương Văn Tri", "Nguyễn Văn Bình"),
    ("Viettel Post Lạng Sơn", Carrier.Kind.ENTERPRISE, "4900100002", "Xã Cao Lộc", "Hoàng Thị Lan"),
    ("Bưu cục Tràng Định", Carrier.Kind.POST_OFFICE, "4900100003", "Xã Tràng Định", "Lương Văn Tú"),
)


def commune(name: str) -> Commune:
    """A commune of Lạng Sơn by name. The migration loads the units; a test that flushed the database (a
    transactional test before this one) loads them again, as `manage.py load_admin_units` would."""
    if not Commune.objects.exists():
        sync_units()
    return find_commune(text=name)


def lang_son_carriers() -> list[Carrier]:
    return [
        CarrierFactory(
            name=name,
            kind=kind,
            tax_code=tax,
            licence_number=f"{100 + index}/GP-BTTTT",
            address=f"Số {index + 1} đường Trần Đăng Ninh, {place}, tỉnh Lạng Sơn",
            commune=commune(place),
            representative=representative,
            email=f"dn{index}@example.vn",
        )
        for index, (name, kind, tax, place, representative) in enumerate(LANG_SON_CARRIERS)
    ]


class CampaignFactory(factory.django.DjangoModelFactory):
    """A running campaign, open since yesterday for thirty days."""

    class Meta:
        model = Campaign

    title = "Nói không với hàng lậu, hàng cấm qua đường bưu chính 2026"
    slug = factory.Sequence(lambda n: f"chien-dich-{n}")
    status = Campaign.Status.RUNNING
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    created_by = factory.SubFactory(UserFactory)


class PledgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pledge

    campaign = factory.SubFactory(CampaignFactory)
    carrier = factory.SubFactory(CarrierFactory)


def _next_incoming_number(year: int) -> int:
    with transaction.atomic():
        return next_number(series=INCOMING_SERIES, year=year)


class IncomingDocumentFactory(factory.django.DjangoModelFactory):
    """A registered paper document without its scan; `register_incoming` is what tests of numbering use."""

    class Meta:
        model = IncomingDocument

    year = factory.LazyFunction(lambda: timezone.localdate().year)
    # from the register's own counter, as registration takes it: a factory-made document never holds the number
    # the next registration will be given
    number = factory.LazyAttribute(lambda document: _next_incoming_number(document.year))
    received_at = factory.LazyFunction(timezone.now)
    channel = Channel.PAPER
    status = Status.REGISTERED
    issuer_name = "Bộ Thông tin và Truyền thông"
    code = factory.Sequence(lambda n: f"{n + 1}/BTTTT-VP")
    doc_type = "Công văn"
    subject = factory.Sequence(lambda n: f"Về việc triển khai nhiệm vụ số {n + 1}")
    signer_name = "Nguyễn Văn A"
