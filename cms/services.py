"""Writes of the public portal: publishing a sent dispatch, keeping the search index and the page cache true."""

from __future__ import annotations

import logging
from datetime import date

from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.models import GroupApprovalTask, GroupPagePermission, Page

from cms.errors import CmsError, PublishError
from cms.models import DirectiveIndexPage, DirectivePage, HomePage, PortalPage, SearchEntry
from cms.text import search_key, text_to_html
from core.roles import Role

logger = logging.getLogger(__name__)

LIBRARY_SLUG = "van-ban-chi-dao-dieu-hanh"
CACHE_GENERATION_KEY = "cms:page-cache-generation"
NAVIGATION_GENERATION_KEY = "cms:navigation-generation"


# --- page cache ------------------------------------------------------------------------------


def page_cache_generation() -> int:
    return cache.get_or_set(CACHE_GENERATION_KEY, 1, timeout=None)


def navigation_generation() -> int:
    return cache.get_or_set(NAVIGATION_GENERATION_KEY, 1, timeout=None)


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 2, timeout=None)


def invalidate_page_cache(*, pages: bool = True) -> None:
    """Every cached public page becomes stale at once: a publish can change the home page, lists and menus.

    `pages=False` is for content shown on pages that is not a page (documents, the campaign counters, the
    agency's contacts): the menus, built from the page tree alone, stay cached. During a campaign every signed
    pledge lands here, and rebuilding the menu after each one cost every carrier page a page-tree query.
    """
    _bump(CACHE_GENERATION_KEY)
    if pages:
        _bump(NAVIGATION_GENERATION_KEY)


# --- search index ----------------------------------------------------------------------------


def index_page(*, page: Page) -> SearchEntry | None:
    """(Re)write the search entry of a live page; pages that are not portal pages are left out."""
    specific = page.specific
    if not isinstance(specific, PortalPage) or isinstance(specific, HomePage):
        return None
    if not specific.live or specific.get_view_restrictions().exists():
        unindex_page(page=specific)
        return None
    doc = specific.search_document()
    title_key = search_key(specific.title)
    keywords_key = search_key(doc["keywords"] or "")
    body_key = search_key(doc["body"] or "")
    entry, _created = SearchEntry.objects.update_or_create(
        page_id=specific.pk,
        defaults={
            "title": specific.title,
            "summary": specific.summary or "",
            "body": " ".join((doc["body"] or "").split()),
            "date": doc["date"],
            "kind": str(specific._meta.verbose_name),
            "number_key": search_key(doc["number"] or "")[:100],
            "designation_key": search_key(doc.get("designation", ""))[:200],
            "title_key": f" {title_key} ",
            "keywords_key": f" {keywords_key} ",
            "text_key": f" {title_key} {keywords_key} {body_key} ",
        },
    )
    return entry


def unindex_page(*, page: Page) -> None:
    SearchEntry.objects.filter(page_id=page.pk).delete()


def rebuild_search_index() -> int:
    SearchEntry.objects.all().delete()
    count = 0
    for page in Page.objects.live().specific():
        if index_page(page=page):
            count += 1
    return count


# --- publishing from the dispatch workflow ---------------------------------------------------


def directive_library() -> DirectiveIndexPage:
    """The directives library; created under the home page the first time something is published into it."""
    library = DirectiveIndexPage.objects.order_by("path").first()
    if library:
        return library
    home = HomePage.objects.order_by("path").first()
    if home is None:
        raise CmsError(
            _("Cổng thông tin chưa có trang chủ."),
            detail="No HomePage: run `manage.py migrate` (cms creates the home page).",
        )
    library = DirectiveIndexPage(title=_("Văn bản chỉ đạo điều hành"), slug=LIBRARY_SLUG)
    home.add_child(instance=library)
    library.save_revision().publish()
    return library


@transaction.atomic
def publish_directive(
    *,
    source_key: str,
    number: str,
    title: str,
    subject: str,
    doc_type: str,
    doc_type_name: str,
    issued_date: date,
    issuer: str,
    signer_name: str,
    signer_title: str,
    body: str,
    pdf: bytes,
    pdf_filename: str,
    field: str = "",
    verification_url: str = "",
) -> DirectivePage:
    """Create or update the published DirectivePage for `source_key` (e.g. "dispatch:42").

    Called by the dispatch workflow when a public dispatch is sent: the page is published directly (the
    dispatch was approved in its own flow, so Wagtail moderation does not apply). Calling it again with the same
    key updates the same page and adds a revision; the PDF document is replaced only if its bytes changed.
    """
    if not source_key:
        raise PublishError(_("Không đăng được văn bản: thiếu mã nguồn."), detail="publish_directive needs a source_key")
    if not pdf.startswith(b"%PDF-"):
        raise PublishError(
            _("Không đăng được văn bản: tệp đã ký không phải tệp PDF."),
            detail=f"{source_key}: the signed file is not a PDF",
        )

    page = DirectivePage.objects.filter(source_key=source_key).first()
    created = page is None
    if created:
        library = directive_library()
        page = DirectivePage(source_key=source_key, slug=_unique_slug(library, number, title, issued_date))
    page.title = title[:255]
    page.number = number
    page.subject = subject
    page.doc_type = slugify(doc_type)[:50] or "van-ban"
    page.doc_type_name = doc_type_name
    page.issued_date = issued_date
    page.issuer = issuer
    page.signer_name = signer_name
    page.signer_title = signer_title
    page.field = field
    page.body = text_to_html(body)
    page.verification_url = verification_url
    page.search_description = subject[:500]
    page.document = _store_pdf(current=page.document, pdf=pdf, filename=pdf_filename, title=f"{number} — {title}")
    if created:
        library.add_child(instance=page)
    page.save_revision(log_action=True).publish()
    page.refresh_from_db()
    logger.info("Published directive %s from %s (page %s)", number, source_key, page.pk)
    return page


def _unique_slug(parent: Page, number: str, title: str, issued_date: date) -> str:
    base = slugify(f"{number.replace('/', '-')} {issued_date:%Y}") or slugify(title)[:60] or "van-ban"
    base = base[:70]
    slug, n = base, 1
    siblings = parent.get_children()
    while siblings.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _store_pdf(*, current, pdf: bytes, filename: str, title: str):
    if current is not None:
        with current.file.open("rb") as fh:
            if fh.read() == pdf:
                return current
    document = get_document_model()(title=title[:255])
    document.file.save(filename or "van-ban.pdf", ContentFile(pdf), save=False)
    document.file_size = len(pdf)
    document._set_file_hash()
    document.save()
    return document


# --- editorial permissions -------------------------------------------------------------------

EDITOR_PAGE_PERMISSIONS = {
    Role.STAFF: ["add_page", "change_page"],
    Role.HEAD_OF_UNIT: ["add_page", "change_page"],
    Role.CLERK: ["add_page", "change_page"],
    Role.LEADERSHIP: ["add_page", "change_page", "publish_page"],
}


def setup_editorial_permissions(*, home: Page) -> None:
    """Staff draft pages and submit them for approval; leadership approves in Wagtail's "Moderators approval"
    workflow (created by Wagtail's migrations on the root page)."""
    for role, codenames in EDITOR_PAGE_PERMISSIONS.items():
        group = Group.objects.filter(name=role.value).first()
        if group is None:
            continue
        for codename in codenames:
            permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
            GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)
    leadership = Group.objects.filter(name=Role.LEADERSHIP.value).first()
    if leadership is not None:
        for task in GroupApprovalTask.objects.filter(active=True):
            task.groups.add(leadership)
