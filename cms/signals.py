"""Keep the search index and the page cache true when content changes (publish, unpublish, move, delete)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms import services


@receiver(page_published)
def _page_published(sender, instance, **kwargs) -> None:
    services.index_page(page=instance)
    services.invalidate_page_cache()


@receiver(page_unpublished)
def _page_unpublished(sender, instance, **kwargs) -> None:
    services.unindex_page(page=instance)
    services.invalidate_page_cache()


@receiver(post_page_move)
def _page_moved(sender, instance, **kwargs) -> None:
    services.invalidate_page_cache()


@receiver(post_delete)
def _page_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        services.invalidate_page_cache()


def _content_changed(sender, **kwargs) -> None:
    transaction.on_commit(lambda: services.invalidate_page_cache(pages=False))


# Content shown on cached pages that is not a page: the agency's contacts, documents, the campaign counters.
for _model in ("core.OrganisationSettings", "wagtaildocs.Document", "pledges.Pledge", "pledges.Campaign"):
    post_save.connect(_content_changed, sender=_model, weak=False, dispatch_uid=f"cms-cache-{_model}")
    post_delete.connect(_content_changed, sender=_model, weak=False, dispatch_uid=f"cms-cache-del-{_model}")
