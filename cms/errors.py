"""The portal's refusals: one hierarchy, each with a Vietnamese message for staff (English detail for logs)."""

from __future__ import annotations

from core.errors import UserError


class CmsError(UserError):
    """The portal could not do what was asked; nothing was changed."""


class PublishError(CmsError):
    """A document could not be published into the directives library."""
