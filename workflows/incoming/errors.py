"""The refusals of incoming documents: `message` is for the user (Vietnamese); nothing was changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.errors import UserError

if TYPE_CHECKING:
    from .models import IncomingDocument


class IncomingError(UserError):
    """An incoming document could not be received or registered."""


class PossibleDuplicate(IncomingError):
    """The document looks already registered (same issuer and số, ký hiệu, or the same file).

    Nothing was registered; the caller shows `duplicates` and registers again with `confirm_duplicate=True`.
    """

    def __init__(self, message: str, *, duplicates: Sequence[IncomingDocument], detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.duplicates = list(duplicates)
