"""Refusals about administrative units: a name or code that is no commune of the province."""

from __future__ import annotations

from core.errors import UserError


class PlaceError(UserError):
    """An administrative unit that does not exist (or no longer exists) where it was looked for."""


class UnknownCommune(PlaceError):
    """No current commune of the province has this name or code."""
