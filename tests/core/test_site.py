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
    assert "/viec-cua-toi/" in body and 'href="/workflow/' not in body


def test_viewflows_own_pages_send_a_signed_in_user_to_their_work_list(client, make_user):
    """Only the step forms of /workflow/ are served: viewflow's inbox, queue, archive and process pages are English."""
    for role in (Role.STAFF, Role.CARRIER):
        client.force_login(make_user(role))
        for url in (
            "/workflow/",
            "/workflow/workflow/inbox/",
            "/workflow/workflow/queue/",
            "/workflow/workflow/flows/dispatch/",
        ):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"] == "/viec-cua-toi/", (role, url)


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
    body = client.get("/workflow/workflow/inbox/", follow=True).content.decode()
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
