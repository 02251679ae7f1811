"""The client's address as the audit log records it. Behind nginx every request comes from the proxy, so
`X-Forwarded-For` is read, but only when the peer is one of `VANTHU_TRUSTED_PROXIES` (otherwise anyone could write
any address into the audit log by sending the header)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.VANTHU_TRUSTED_PROXIES)))


def client_address(request: HttpRequest) -> str:
    """The peer, or, when the peer is a trusted proxy, the nearest address in X-Forwarded-For that is not one."""
    peer = request.META.get("REMOTE_ADDR") or ""
    if not _trusted(peer):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed chain: keep what we know
        if not _trusted(hop):
            return hop
    return hops[0] if hops else peer
