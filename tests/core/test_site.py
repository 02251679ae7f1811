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
