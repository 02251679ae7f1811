"""The deployment test: docs/deployment.md's topology on loopback, walked with real HTTP through nginx.

`make deploy-test` (and `.ci/run`, after the PostgreSQL pass) runs it; `make test` does not (tests/conftest.py).
The modules run in order and share one stack: public pages and headers, a staff login, one dispatch step, a
campaign started by staff and rendered by a worker, a carrier's signature, the countersignature done by a worker,
the countersigned file verified on the public page, and the audit chain anchored and verified.
"""

from __future__ import annotations

import base64
import email
import re
import time
from email import policy
from pathlib import Path

import pytest
import requests

from signing.devpki import signature_png
from tests.deploy import stack as topology

pytestmark = pytest.mark.deploy
POLL_SECONDS = 150


@pytest.fixture(scope="module")
def stack():
    running = topology.start()
    yield running
    for name in running.procs:
        print(f"--- {name} ---\n{running.log_tail(name)}")
    topology.stop(running)


@pytest.fixture(scope="module")
def staff(stack):
    session, response = password_login(stack, "chuyenvien")
    assert response.headers["Location"].endswith("/tai-khoan/")
    return session


def password_login(stack, username: str) -> tuple[requests.Session, requests.Response]:
    session = stack.session()
    login = session.get(stack.url("/accounts/login/"))
    assert login.status_code == 200
    response = post(
        session, stack.url("/accounts/login/"), {"username": username, "password": stack.seed["password"]}, page=login
    )
    assert response.status_code == 302, response.text[:2000]
    return session, response


def csrf_token(session: requests.Session, page: requests.Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    return found.group(1) if found else session.cookies["csrftoken"]


def post(session, url: str, data: dict, *, page: requests.Response, files=None) -> requests.Response:
    """A form POST as a browser sends it over HTTPS: the CSRF token and a same-origin Referer."""
    return session.post(
        url,
        data={**data, "csrfmiddlewaretoken": csrf_token(session, page)},
        files=files,
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=120,
    )


def wait_for(what: str, probe, *, stack, seconds: float = POLL_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(1)
    pytest.fail(f"{what}: not done within {seconds} s\n{stack.log_tail('worker1')}\n{stack.log_tail('worker2')}")


def mails(mailbox: Path) -> list[email.message.EmailMessage]:
    """Every message Django's file backend wrote (one file per connection, messages separated by a dashed line)."""
    found = []
    for path in sorted(mailbox.glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk, policy=policy.default))
    return found


def page_error(response: requests.Response) -> str:
    """The refusal a form page shows, for an assertion's message."""
    found = re.findall(r'class="(?:pl-error|errorlist)[^"]*"[^>]*>(.*?)</', response.text, re.S)
    texts = [re.sub(r"<[^>]+>|\s+", " ", f).strip() for f in found]
    return f"{response.status_code}: {texts or response.text[:1500]}"


def mail_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def otp_code(stack, purpose: str) -> str:
    """The code of the one OTP e-mail for `purpose` (pledges/email/otp.txt), once it is in the mailbox."""

    def find():
        for message in mails(stack.mailbox):
            text = mail_text(message)
            if purpose in text:
                return re.search(r"Mã xác thực của [^\n]*: (\d{6})", text).group(1)
        return None

    return wait_for(f"the OTP e-mail ({purpose})", find, stack=stack, seconds=30)


# --- public side, headers -------------------------------------------------------------------------------------


def test_public_pages_through_nginx_with_production_headers(stack):
    session = stack.session()
    home = session.get(stack.url("/"), timeout=30)
    assert home.status_code == 200
    assert 'lang="vi"' in home.text
    headers = home.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Server"] == "nginx"  # no version, and not the app server's

    verify = session.get(stack.url("/xac-thuc/"), timeout=30)
    assert verify.status_code == 200
    assert "Kết quả kiểm tra" not in verify.text and 'type="file"' in verify.text

    missing = session.get(stack.url("/khong-co-trang-nay/"), timeout=30)
    assert missing.status_code == 404
    assert "URLconf" not in missing.text and "Traceback" not in missing.text  # DEBUG is off


def test_static_files_are_the_manifest_names_served_by_nginx(stack):
    session = stack.session()
    page = session.get(stack.url("/accounts/login/"), timeout=30).text
    hashed = re.findall(r'/static/[^"\']+\.[0-9a-f]{12}\.(?:css|js)', page)
    assert hashed, "no hashed static file linked: the manifest storage is not in use"
    for path in hashed[:3]:
        response = session.get(stack.url(path), timeout=30)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"
        assert "X-Frame-Options" not in response.headers  # from nginx's alias, not through Django


def test_app_servers_answer_health_checks_and_redirect_plain_http(stack):
    for port in stack.app_ports:
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10, allow_redirects=False)
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "postgresql"}
        plain = requests.get(f"http://127.0.0.1:{port}/", timeout=10, allow_redirects=False)
        assert plain.status_code == 301
        assert plain.headers["Location"].startswith("https://")


# --- staff ------------------------------------------------------------------------------------------------------


def test_staff_login_sets_only_secure_cookies(stack, staff):
    cookies = {c.name: c for c in staff.cookies}
    assert cookies["sessionid"].secure and cookies["csrftoken"].secure
    assert cookies["sessionid"].has_nonstandard_attr("HttpOnly")
    assert cookies["sessionid"].get_nonstandard_attr("SameSite") == "Lax"
    workflow = staff.get(stack.url("/workflow/"), timeout=30, allow_redirects=False)
    assert workflow.status_code in (200, 302)
    wrong = stack.session()
    login = wrong.get(stack.url("/accounts/login/"))
    refused = post(wrong, stack.url("/accounts/login/"), {"username": "chuyenvien", "password": "sai"}, page=login)
    assert refused.status_code == 200 and "sessionid" not in wrong.cookies


def test_the_director_logs_in_with_the_second_factor(stack):
    from django_otp.oath import TOTP

    session, _ = password_login(stack, "giamdoc")
    closed = session.get(stack.url("/workflow/"), timeout=30, allow_redirects=False)
    assert closed.status_code == 302 and "/tai-khoan/ma-xac-thuc/" in closed.headers["Location"]  # password alone
    code_page = session.get(stack.url("/tai-khoan/ma-xac-thuc/?next=/workflow/"), timeout=30)
    assert code_page.status_code == 200
    wrong = post(session, code_page.url, {"code": "000000"}, page=code_page)
    assert wrong.status_code == 200 and "sessionid" in session.cookies  # refused on the page, still closed
    time.sleep(2.5)  # django-otp throttles the device for a second after a failure, as it should
    code = f"{TOTP(bytes.fromhex(stack.seed['director_totp_key'])).token():06d}"
    passed = post(session, code_page.url, {"code": code}, page=code_page)
    assert passed.status_code == 302, passed.text[:2000]
    opened = session.get(stack.url("/van-ban-di/"), timeout=30)
    assert opened.status_code == 200 and "/tai-khoan/" not in opened.url, opened.url


def test_a_dispatch_is_started_by_its_author(stack, staff):
    import config.urls  # noqa: F401  (mounting the site gives viewflow's nodes their URL namespaces)
    from workflows.dispatch.flows import DispatchFlow

    start_url = stack.url(DispatchFlow.start.reverse("execute"))
    form = staff.get(start_url, timeout=30)
    assert form.status_code == 200, form.text[:2000]
    subject = "V/v kiểm thử triển khai hệ thống văn thư điện tử"
    data = {
        "doc_type": "cong-van",
        "subject": subject,
        "addressees": "Các doanh nghiệp bưu chính trên địa bàn tỉnh",
        "legal_bases": "",
        "body": "Sở đề nghị các doanh nghiệp kiểm tra nội dung bưu gửi khi chấp nhận./.",
        "urgency": "khan",
        "signer": str(stack.seed["director_id"]),
        "authority_prefix": "",
        "authority_title": "",
        "drafting_unit": "TTr",
        "units": ["BCVT"],
        "carriers": [str(stack.seed["carrier_id"])],
        "agencies": "",
        "other_recipients": "Lãnh đạo Sở (b/c)",
    }
    created = post(staff, start_url, data, page=form)
    assert created.status_code == 302, created.text[:3000]
    detail = staff.get(stack.url(created.headers["Location"]), timeout=30)
    assert detail.status_code == 200
    assert subject in detail.text


# --- the campaign: a worker renders, the carrier signs, a worker countersigns, the public page verifies ---------


@pytest.fixture(scope="module")
def signed_pledge(stack, staff):
    slug = stack.seed["campaign"]
    dashboard = staff.get(stack.url(f"/cam-ket/quan-ly/chien-dich/{slug}/"), timeout=30)
    assert dashboard.status_code == 200
    started = post(staff, stack.url(f"/cam-ket/quan-ly/chien-dich/{slug}/start/"), {}, page=dashboard)
    assert started.status_code == 302

    def invitation_link():
        for message in mails(stack.mailbox):
            found = re.search(r"https://127\.0\.0\.1:\d+/cam-ket/moi/[^/\s]+/", mail_text(message))
            if found and message["To"] == stack.seed["carrier_email"]:
                return found.group(0)
        return None

    link = wait_for("the worker renders the pledge and mails the invitation", invitation_link, stack=stack)
    carrier = stack.session()
    page = carrier.get(link, timeout=30)
    assert page.status_code == 200
    sent = post(carrier, link, {"action": "send"}, page=page)
    assert sent.status_code == 302
    code = otp_code(stack, "xác thực địa chỉ thư điện tử")
    page = carrier.get(link, timeout=30)
    opened = post(carrier, link, {"code": code}, page=page)
    assert opened.status_code == 302, page_error(opened)
    pledge_url = stack.url(opened.headers["Location"])

    # method a: the representative's typed name and drawn signature, confirmed by a second code by e-mail
    sign_url = pledge_url + "ky-dien-tu/"
    sign_page = carrier.get(sign_url, timeout=30)
    assert sign_page.status_code == 200
    asked = post(carrier, sign_url, {"action": "send", "typed_name": "Nguyễn Văn Bình"}, page=sign_page)
    assert asked.status_code == 200 and "pl-error" not in asked.text, page_error(asked)
    code = otp_code(stack, "xác nhận ký bản cam kết")
    drawn = "data:image/png;base64," + base64.b64encode(signature_png("Nguyễn Văn Bình")).decode()
    signed = post(carrier, sign_url, {"typed_name": "Nguyễn Văn Bình", "signature": drawn, "code": code}, page=asked)
    assert signed.status_code == 302, page_error(signed)
    return carrier, pledge_url


def test_the_carrier_signs_and_a_worker_countersigns(stack, signed_pledge):
    carrier, pledge_url = signed_pledge

    def certificate():
        response = carrier.get(pledge_url + "tep/giay-chung-nhan.pdf", timeout=30)
        return response if response.status_code == 200 else None

    issued = wait_for("the countersignature by a worker", certificate, stack=stack)
    assert issued.content.startswith(b"%PDF")
    assert issued.headers["Content-Disposition"].startswith("attachment")
    workers = "".join(stack.log_tail(w, 400) for w in ("worker1", "worker2"))
    assert "Traceback" not in workers


def test_the_countersigned_pledge_verifies_on_the_public_page(stack, signed_pledge):
    carrier, pledge_url = signed_pledge
    countersigned = carrier.get(pledge_url + "tep/da-ky.pdf", timeout=30)
    assert countersigned.status_code == 200
    session = stack.session()
    page = session.get(stack.url("/xac-thuc/"), timeout=30)
    result = post(
        session,
        stack.url("/xac-thuc/"),
        {},
        page=page,
        files={"file": ("ban-cam-ket-da-ky.pdf", countersigned.content, "application/pdf")},
    )
    assert result.status_code == 200, result.text[:2000]
    verdicts = re.findall(r'class="signature sig-(\w+)[ "]', result.text)
    # the carrier's OTP-confirmed stamp, then the department's B-LT seal
    assert len(verdicts) == 2, result.text[:4000]
    assert verdicts[-1] == "total_passed", verdicts
    assert "Văn bản do hệ thống phát hành" in result.text


# --- operations -------------------------------------------------------------------------------------------------


def test_both_app_servers_served_the_walk(stack, signed_pledge):
    for name in ("app1", "app2"):
        assert re.search(r'"(GET|POST) /', stack.log_tail(name, 2000)), f"{name} served nothing through nginx"


def test_the_audit_chain_is_anchored_and_verified_under_production_settings(stack, signed_pledge):
    anchored = stack.manage("audit_anchor")
    assert anchored.returncode == 0, anchored.stderr
    verified = stack.manage("verify_audit")
    assert verified.returncode == 0, verified.stderr
    assert "Audit chain intact" in verified.stdout and "matches 1 anchor" in verified.stdout
