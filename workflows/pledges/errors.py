"""The pledge campaign's refusals: one hierarchy, each with a Vietnamese message for the carrier or staff."""

from __future__ import annotations

from core.errors import UserError


class PledgeError(UserError):
    """A refusal with a Vietnamese message the carrier or staff can act on; nothing was changed."""


class RegistryFileError(PledgeError):
    """The registry file itself cannot be read (wrong format, no header row...)."""


class ReportError(PledgeError):
    """A campaign report could not be produced."""
