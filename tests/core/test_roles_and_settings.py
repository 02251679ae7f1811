import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from core.models import OrganisationSettings
from core.organisation import organisation_info
from core.roles import Role, has_role
from tests.factories import DraftingUnitFactory


@pytest.mark.django_db
def test_migration_creates_every_role_group():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_roles_get_admin_access_except_carriers(roles, make_user):
    clerk = make_user(Role.CLERK)
    carrier = make_user(Role.CARRIER)
    assert clerk.has_perm("wagtailadmin.access_admin")
    assert not carrier.has_perm("wagtailadmin.access_admin")
    assert has_role(clerk, Role.CLERK) and not has_role(carrier, Role.CLERK)


@pytest.mark.django_db
def test_organisation_defaults_are_the_demo_agency():
    info = organisation_info()
    assert info["parent_agency"] == "UBND TỈNH LẠNG SƠN"
    assert info["agency"] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert info["abbreviation"] == "STTTT"
    assert info["place"] == "Lạng Sơn"
    assert {"name": "Thanh tra Sở", "abbreviation": "TTr"} in info["units"]


@pytest.mark.django_db
def test_organisation_can_be_renamed_after_a_merger():
    org = OrganisationSettings.load()
    org.agency_name = "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    org.agency_abbreviation = "SKHCN"
    org.save()
    assert organisation_info()["agency"] == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"


@pytest.mark.django_db
def test_organisation_is_read_from_the_cache_and_forgotten_when_saved(django_assert_num_queries, rf):
    OrganisationSettings.load()
    with django_assert_num_queries(0):
        assert OrganisationSettings.load(request_or_site=rf.get("/")).agency_abbreviation == "STTTT"
    org = OrganisationSettings.load()
    org.agency_name = "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    org.save()
    assert OrganisationSettings.load().agency_name == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    DraftingUnitFactory(organisation=org, name="Phòng Bưu chính", abbreviation="BC")
    assert {"name": "Phòng Bưu chính", "abbreviation": "BC"} in organisation_info()["units"]


@pytest.mark.django_db
def test_a_page_header_costs_no_settings_query_once_cached(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/xac-thuc/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/xac-thuc/")
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in response.content.decode()
    assert not [q for q in queries.captured_queries if "core_organisationsettings" in q["sql"]]


@pytest.mark.django_db
def test_load_demo_twice_creates_each_account_once(capsys):
    from django.contrib.auth import get_user_model

    call_command("load_demo")
    call_command("load_demo")
    users = get_user_model().objects.filter(username__in=["chuyenvien", "giamdoc", "vanthu", "quantri"])
    assert users.count() == 4
    assert "vanthu-demo-2026" in capsys.readouterr().out
    assert has_role(users.get(username="giamdoc"), Role.LEADERSHIP)


@pytest.mark.django_db
def test_vietnamese_names_read_family_name_first():
    from django.contrib.auth import get_user_model

    user = get_user_model()(username="giamdoc", first_name="Huy", last_name="Nguyễn Quang")
    assert user.get_full_name() == "Nguyễn Quang Huy"
    assert str(user) == "Nguyễn Quang Huy"
    assert user.get_short_name() == "Huy"
