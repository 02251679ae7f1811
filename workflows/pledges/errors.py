"""The pledge campaign's refusals. Each carries a Vietnamese message for the carrier or staff; views show it."""

from __future__ import annotations


class PledgeError(Exception):
    """A refusal with a Vietnamese message the carrier or staff can act on; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
