"""Who does a thing, as the services take it."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from core.models import User

# A signed-in user, an anonymous visitor (a carrier who proved its e-mail by OTP), or the system (background work).
Actor = User | AnonymousUser | None

__all__ = ["Actor", "User"]
