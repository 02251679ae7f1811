"""Page types: creation round trips through the Wagtail admin, tree rules, moderation, scheduling, revisions."""

import datetime

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.models import (
    ArticleIndexPage,
    ArticlePage,
    CampaignPage,
    DirectiveIndexPage,
    DirectivePage,
    HomePage,
    StandardPage,
)
from tests.auth_support import VerifiedClient


class PageTypesTests(WagtailPageTestCase):
    client_class = VerifiedClient  # the editor is a superuser: its force_login passes the second factor too

    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get()
        cls.library = cls.home.add_child(instance=DirectiveIndexPage(title="Văn bản", slug="van-ban-cd"))
        cls.news = cls.home.add_child(instance=ArticleIndexPage(title="Tin tức", slug="tin"))
        cls.user = get_user_model().objects.create_superuser("admin", "admin@example.com", "x")

    def setUp(self):
        self.client.force_login(self.user)

    def test_home_is_served_at_root(self):
        self.client.logout()
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "cms/home_page.html")
        self.assertContains(response, 'class="skip-link"')

    def test_tree_rules(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedSubpageTypes(DirectiveIndexPage, {DirectivePage})
        self.assertAllowedParentPageTypes(DirectivePage, {DirectiveIndexPage})
        self.assertAllowedParentPageTypes(ArticlePage, {ArticleIndexPage})
        self.assertAllowedParentPageTypes(CampaignPage, {HomePage})
        self.assertAllowedSubpageTypes(HomePage, {DirectiveIndexPage, ArticleIndexPage, CampaignPage, StandardPage})
        self.assertCanNotCreateAt(HomePage, HomePage)

    def test_create_directive(self):
        self.assertCanCreate(
            self.library,
            DirectivePage,
            nested_form_data(
                {
                    "title": "Chỉ thị thử",
                    "slug": "chi-thi-thu",
                    "number": "01/CT-STTTT",
                    "doc_type": "chi-thi",
                    "doc_type_name": "Chỉ thị",
                    "issued_date": "2026-01-15",
                    "issuer": "Sở Thông tin và Truyền thông",
                    "signer_name": "Nguyễn Văn A",
                    "signer_title": "GIÁM ĐỐC",
                    "subject": "V/v thử",
                    "field": "Bưu chính",
                    "body": rich_text("<p>Nội dung</p>"),
                    "verification_url": "",
                }
            ),
        )

    def test_create_article_with_blocks(self):
        self.assertCanCreate(
            self.news,
            ArticlePage,
            nested_form_data(
                {
                    "title": "Hướng dẫn gửi hàng",
                    "slug": "huong-dan",
                    "kind": "guidance",
                    "date": "2026-02-01",
                    "intro": "Tóm tắt",
                    "body": streamfield(
                        [
                            ("heading", {"text": "Mục 1", "level": "h2"}),
                            ("paragraph", rich_text("<p>Đoạn văn</p>")),
                            ("quote", {"text": "Trích", "source": "Luật"}),
                        ]
                    ),
                }
            ),
        )

    def test_create_standard_and_campaign_pages(self):
        self.assertCanCreate(
            self.home,
            StandardPage,
            nested_form_data({"title": "Giới thiệu", "slug": "gioi-thieu", "intro": "", "body": streamfield([])}),
        )
        self.assertCanCreate(
            self.home,
            CampaignPage,
            nested_form_data(
                {
                    "title": "Chiến dịch",
                    "slug": "chien-dich",
                    "campaign_slug": "khong-co",
                    "intro": "",
                    "body": streamfield([]),
                }
            ),
        )

    def test_campaign_page_tolerates_a_missing_campaign(self):
        page = self.home.add_child(instance=CampaignPage(title="Cam kết", slug="cam-ket-x", campaign_slug="chua-co"))
        self.client.logout()
        response = self.client.get(page.url)
        self.assertContains(response, "Chiến dịch chưa mở")

    def test_every_page_renders(self):
        directive = self.library.add_child(
            instance=DirectivePage(
                title="CV",
                slug="cv",
                number="1/X",
                issued_date=datetime.date(2026, 1, 1),
                issuer="Sở",
                signer_name="A",
                subject="S",
            )
        )
        self.client.logout()
        for page in [self.home, self.library, self.news, directive]:
            self.assertPageIsRenderable(page)
            self.assertPageIsRoutable(page)


def test_base_template_renders_for_views_without_a_page(home):
    request = RequestFactory().get("/xac-thuc/")
    html = render_to_string("base.html", {}, request=request)
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in html
    assert '<main id="main"' in html and 'href="/xac-thuc/"' in html and "<nav" in html and "<footer" in html


def test_staff_submit_for_moderation_and_leadership_approves(demo_site, make_user):
    from core.roles import Role

    staff = make_user(Role.STAFF)
    leader = make_user(Role.LEADERSHIP)
    news = ArticleIndexPage.objects.get()
    draft = news.add_child(
        instance=ArticlePage(title="Bản nháp", slug="ban-nhap", date=datetime.date(2026, 1, 5), live=False)
    )
    draft.save_revision(user=staff)
    assert draft.permissions_for_user(staff).can_edit() and not draft.permissions_for_user(staff).can_publish()

    workflow = draft.get_workflow()
    state = workflow.start(draft, staff)
    assert state.status == "in_progress" and not ArticlePage.objects.get(pk=draft.pk).live
    task_state = state.current_task_state
    assert leader.groups.filter(pk__in=task_state.task.specific.groups.all()).exists()
    task_state.task.specific.on_action(task_state, leader, "approve")
    assert ArticlePage.objects.get(pk=draft.pk).live


def test_scheduled_publishing_and_revision_history(demo_site):
    news = ArticleIndexPage.objects.get()
    page = news.add_child(instance=ArticlePage(title="Hẹn giờ", slug="hen-gio", live=False))
    page.go_live_at = timezone.now() + datetime.timedelta(hours=1)
    page.save_revision().publish()
    page.refresh_from_db()
    assert not page.live and page.get_latest_revision().approved_go_live_at is not None

    # an hour passes
    past = timezone.now() - datetime.timedelta(minutes=1)
    revision = page.get_latest_revision()
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])
    call_command("publish_scheduled")
    page.refresh_from_db()
    assert page.live and page.revisions.count() == 1
    page.title = "Hẹn giờ (sửa)"
    page.save_revision().publish()
    assert page.revisions.count() == 2
