"""The dispatch process's refusals and failures: `message` is for the user (Vietnamese); nothing was changed."""

from __future__ import annotations


class DispatchError(Exception):
    """A step could not be completed. `message` is for the user (Vietnamese); nothing was changed."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(detail or message)
        self.message = message
