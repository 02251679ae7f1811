import pytest

from core.roles import Role


@pytest.mark.django_db
def test_anonymous_workflow_visit_redirects_to_login(client):
    response = client.get("/workflow/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/workflow/")


@pytest.mark.django_db
def test_login_page_is_vietnamese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()


def test_staff_dashboard_shows_my_tasks_panel(client, make_user):
    client.force_login(make_user(Role.STAFF))
    response = client.get("/admin/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Việc cần làm" in body
    assert "/workflow/" in body


def test_logged_in_user_without_flow_permission_is_refused_not_redirected(client, make_user):
    client.force_login(make_user(Role.CARRIER))
    assert client.get("/workflow/workflow/inbox/").status_code == 403


@pytest.mark.django_db
def test_django_admin_is_mounted(client):
    assert client.get("/django-admin/").status_code == 302


def _log_in_through_the_form(client, user, password):
    return client.post("/accounts/login/", {"username": user.username, "password": password})


def test_a_carrier_lands_on_its_own_pages_after_login(make_user):
    from django.test import Client

    carrier = make_user(Role.CARRIER)
    carrier.set_password("mat-khau-doanh-nghiep-2026")
    carrier.save()
    browser = Client()
    response = _log_in_through_the_form(browser, carrier, "mat-khau-doanh-nghiep-2026")
    assert response.status_code == 302
    landing = browser.get(response["Location"], follow=True)
    assert landing.status_code == 200
    assert landing.redirect_chain[-1][0] == "/cam-ket/cua-toi/"
    assert "Access Forbidden" not in landing.content.decode()


def test_staff_land_on_the_work_pages_after_login(make_user):
    from django.test import Client

    staff = make_user(Role.STAFF)
    staff.set_password("mat-khau-chuyen-vien-2026")
    staff.save()
    browser = Client()
    response = _log_in_through_the_form(browser, staff, "mat-khau-chuyen-vien-2026")
    assert response.status_code == 302
    assert browser.get(response["Location"])["Location"] == "/viec-cua-toi/"


def test_the_forbidden_workflow_page_is_vietnamese_for_a_carrier(client, make_user):
    client.force_login(make_user(Role.CARRIER))
    body = client.get("/workflow/workflow/inbox/").content.decode()
    assert "Access Forbidden" not in body
    assert "LOG IN AS ANOTHER USER" not in body.upper()
    assert 'href="/tai-khoan/"' in body
    assert client.get("/tai-khoan/")["Location"] == "/cam-ket/cua-toi/"


@pytest.mark.django_db
def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)
    icon.close()
