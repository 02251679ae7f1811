"""The dispatch process's refusals and failures: `message` is for the user (Vietnamese); nothing was changed."""

from __future__ import annotations

from core.errors import UserError


class DispatchError(UserError):
    """A step could not be completed. `message` is for the user (Vietnamese); nothing was changed."""
