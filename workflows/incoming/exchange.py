"""Exchanging edXML packages with other agencies: one interface, a folder drop or the platform's REST interface.

`get_transport()` gives the configured `Transport` (settings VANTHU_EDXML_TRANSPORT: "folder", "http", or "" for
none); everything that sends or receives goes through its four operations, the same for both:

- `send(data, to=..., kind="edoc"|"status")` hands a package over and returns the transport's id for it;
- `received()` lists the packages waiting for us (`Waiting`: id, sender, kind), oldest first;
- `fetch(id)` returns one package's bytes;
- `acknowledge(id, ok=...)` tells the transport we have taken it (or failed to), so it is not listed again. This is
  the transport's acknowledgement (the platform's updateStatus done/fail), not the document's status: that is a
  status package, sent with `send(kind="status")`.

`FolderTransport` (tests, manual exchange, a shared folder between installations): a folder per agency under
VANTHU_EDXML_FOLDER, each with `inbox/` and `outbox/`; sending writes the file atomically (a temporary name, then a
rename) into the addressee's inbox and keeps a copy in our outbox; acknowledging moves a file to `inbox/done/` or
`inbox/failed/`.

`HttpTransport` (the national platform, VNPT VXP-style; a provincial LGSP by a subclass with its own paths):
POST sendEdoc with the package as the body (headers from, to, servicetype, messagetype), GET getReceivedEdocList,
GET getEdoc, POST updateStatus; every request carries the unit's system id, a timestamp and an HMAC-SHA256 of the
two (VANTHU_EDXML_HTTP_URL, VANTHU_EDXML_HTTP_UNITS / _SYSTEM_ID / _SECRET).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from core.errors import UserError

__all__ = [
    "FolderTransport",
    "HttpTransport",
    "Transport",
    "TransportError",
    "Waiting",
    "get_transport",
]

KINDS = ("edoc", "status")
_ORGAN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_FILE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


class TransportError(UserError):
    """The transport could not send, list, fetch or acknowledge (unreachable, refused, bad answer)."""


@dataclass(frozen=True)
class Waiting:
    """A package waiting for us at the transport."""

    id: str
    sender: str = ""
    kind: str = "edoc"


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}, expected one of {KINDS}")
    return kind


def _check_organ_id(organ_id: str) -> str:
    organ_id = organ_id.strip()
    if not _ORGAN_ID.match(organ_id):
        raise TransportError(
            _("Mã định danh cơ quan “%(id)s” không hợp lệ.") % {"id": organ_id[:64]},
            detail=f"invalid OrganId {organ_id[:64]!r}",
        )
    return organ_id


class Transport:
    """What every transport does; `organ_id` is the unit we send and receive as."""

    name = ""

    def __init__(self, *, organ_id: str | None = None) -> None:
        self.organ_id = _check_organ_id(organ_id or settings.VANTHU_EDXML_ORGAN_ID)

    def send(self, data: bytes, *, to: str, kind: str = "edoc") -> str:
        raise NotImplementedError

    def received(self) -> list[Waiting]:
        raise NotImplementedError

    def fetch(self, package_id: str) -> bytes:
        raise NotImplementedError

    def acknowledge(self, package_id: str, *, ok: bool = True) -> None:
        raise NotImplementedError


# --- a folder drop ---------------------------------------------------------------------------------------------
class FolderTransport(Transport):
    name = "folder"

    def __init__(self, *, root: str | Path | None = None, organ_id: str | None = None) -> None:
        super().__init__(organ_id=organ_id)
        self.root = Path(root or settings.VANTHU_EDXML_FOLDER)

    def _box(self, organ_id: str, box: str) -> Path:
        path = self.root / _check_organ_id(organ_id) / box
        path.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def _write(folder: Path, name: str, data: bytes) -> None:
        """Atomically: a reader of `folder` sees the whole file or nothing (temporary name, fsync, rename)."""
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".part-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temporary, folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def send(self, data: bytes, *, to: str, kind: str = "edoc") -> str:
        _check_kind(kind)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}-{kind}-{self.organ_id}.edxml"
        try:
            self._write(self._box(to, "inbox"), name, data)
            self._write(self._box(self.organ_id, "outbox"), name, data)
        except OSError as exc:
            raise TransportError(
                _("Không ghi được gói tin vào thư mục trao đổi."), detail=f"folder transport: {exc}"
            ) from exc
        return name

    def received(self) -> list[Waiting]:
        inbox = self._box(self.organ_id, "inbox")
        waiting = []
        for path in sorted(p for p in inbox.iterdir() if p.is_file() and p.suffix == ".edxml"):
            parts = path.stem.split("-", 3)  # <time>-<uid>-<kind>-<sender>, as send() names them
            kind = parts[2] if len(parts) == 4 and parts[2] in KINDS else "edoc"
            waiting.append(Waiting(id=path.name, sender=parts[3] if len(parts) == 4 else "", kind=kind))
        return waiting

    def _path(self, package_id: str) -> Path:
        if not _FILE_ID.match(package_id):
            raise TransportError(_("Mã gói tin không hợp lệ."), detail=f"invalid package id {package_id[:80]!r}")
        return self._box(self.organ_id, "inbox") / package_id

    def fetch(self, package_id: str) -> bytes:
        try:
            return self._path(package_id).read_bytes()
        except OSError as exc:
            raise TransportError(_("Không đọc được gói tin."), detail=f"folder transport: {exc}") from exc

    def acknowledge(self, package_id: str, *, ok: bool = True) -> None:
        source = self._path(package_id)
        target = self._box(self.organ_id, "inbox/done" if ok else "inbox/failed") / package_id
        try:
            os.replace(source, target)
        except OSError as exc:
            raise TransportError(_("Không xác nhận được gói tin."), detail=f"folder transport: {exc}") from exc


# --- the platform's REST interface -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Credentials:
    system_id: str
    secret: str


def unit_credentials(organ_id: str) -> Credentials:
    """The credentials of one unit: VANTHU_EDXML_HTTP_UNITS[organ_id], else the default pair for our own id."""
    units = settings.VANTHU_EDXML_HTTP_UNITS or {}
    if organ_id in units:
        unit = units[organ_id]
        return Credentials(system_id=unit.get("system_id", ""), secret=unit.get("secret", ""))
    if organ_id == settings.VANTHU_EDXML_ORGAN_ID and settings.VANTHU_EDXML_HTTP_SYSTEM_ID:
        return Credentials(system_id=settings.VANTHU_EDXML_HTTP_SYSTEM_ID, secret=settings.VANTHU_EDXML_HTTP_SECRET)
    raise ImproperlyConfigured(
        f"no edXML platform credentials for {organ_id}: set VANTHU_EDXML_HTTP_SYSTEM_ID/SECRET or VANTHU_EDXML_HTTP_UNITS"
    )


def signature(*, secret: str, system_id: str, timestamp: str) -> str:
    """HMAC-SHA256 of the system id and the timestamp, base64: what the platform checks on every request."""
    mac = hmac.new(secret.encode(), f"{system_id}{timestamp}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # credentials are never replayed to another address
        return None


class HttpTransport(Transport):
    name = "http"
    paths = {
        "send": "sendEdoc",
        "list": "getReceivedEdocList",
        "fetch": "getEdoc",
        "acknowledge": "updateStatus",
    }
    service_type = "eDoc"

    def __init__(self, *, base_url: str | None = None, organ_id: str | None = None, timeout: float | None = None):
        super().__init__(organ_id=organ_id)
        self.base_url = (base_url or settings.VANTHU_EDXML_HTTP_URL).rstrip("/")
        if not self.base_url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("VANTHU_EDXML_HTTP_URL must be an http(s) URL")
        self.credentials = unit_credentials(self.organ_id)
        self.timeout = timeout if timeout is not None else settings.VANTHU_EDXML_HTTP_TIMEOUT
        self._opener = urllib.request.build_opener(_NoRedirect)

    def _headers(self) -> dict[str, str]:
        timestamp = str(int(time.time() * 1000))
        return {
            "systemId": self.credentials.system_id,
            "timestamp": timestamp,
            "signature": signature(
                secret=self.credentials.secret, system_id=self.credentials.system_id, timestamp=timestamp
            ),
            "from": self.organ_id,
        }

    def _call(self, operation: str, *, method: str, headers: dict[str, str], body: bytes | None = None) -> bytes:
        url = f"{self.base_url}/{self.paths[operation]}"
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310  (an http(s) URL, checked)
        for key, value in {**self._headers(), **headers}.items():
            request.add_header(key, value)
        if body is not None:
            request.add_header("Content-Type", "application/xml")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.read(settings.VANTHU_EDXML_MAX_PACKAGE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise TransportError(
                _("Trục liên thông từ chối yêu cầu (mã %(code)s).") % {"code": exc.code},
                detail=f"{method} {url}: HTTP {exc.code} {exc.read(500)!r}",
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise TransportError(_("Không kết nối được trục liên thông."), detail=f"{method} {url}: {exc}") from exc

    def _json(self, operation: str, **kwargs) -> dict:
        raw = self._call(operation, **kwargs)
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise TransportError(
                _("Trục liên thông trả lời không đúng định dạng."), detail=f"{operation}: not JSON: {raw[:200]!r}"
            ) from exc
        if not isinstance(answer, dict) or str(answer.get("status", "")).upper() != "OK":
            raise TransportError(
                _("Trục liên thông báo lỗi: %(message)s")
                % {"message": str(answer.get("ErrorDesc", "") if isinstance(answer, dict) else "")[:200] or "-"},
                detail=f"{operation}: {str(answer)[:300]}",
            )
        return answer

    def send(self, data: bytes, *, to: str, kind: str = "edoc") -> str:
        answer = self._json(
            "send",
            method="POST",
            body=data,
            headers={"to": _check_organ_id(to), "servicetype": self.service_type, "messagetype": _check_kind(kind)},
        )
        return str(answer.get("DocId", ""))

    def received(self) -> list[Waiting]:
        answer = self._json("list", method="GET", headers={"servicetype": self.service_type, "messagetype": "edoc"})
        waiting = []
        for item in answer.get("data") or []:
            if isinstance(item, dict) and item.get("id"):
                kind = str(item.get("messagetype", "edoc"))
                waiting.append(
                    Waiting(
                        id=str(item["id"]), sender=str(item.get("from", "")), kind=kind if kind in KINDS else "edoc"
                    )
                )
        return waiting

    def fetch(self, package_id: str) -> bytes:
        data = self._call("fetch", method="GET", headers={"docId": package_id})
        if len(data) > settings.VANTHU_EDXML_MAX_PACKAGE_BYTES:
            raise TransportError(_("Gói tin quá lớn."), detail=f"getEdoc {package_id}: more than the package limit")
        return data

    def acknowledge(self, package_id: str, *, ok: bool = True) -> None:
        self._json(
            "acknowledge",
            method="POST",
            body=b"",
            headers={"docId": package_id, "status": "done" if ok else "fail"},
        )


TRANSPORTS: dict[str, type[Transport]] = {"folder": FolderTransport, "http": HttpTransport}


def get_transport() -> Transport | None:
    """The configured transport (VANTHU_EDXML_TRANSPORT), None when exchange is off."""
    name = settings.VANTHU_EDXML_TRANSPORT
    if not name:
        return None
    if name not in TRANSPORTS:
        raise ImproperlyConfigured(f"VANTHU_EDXML_TRANSPORT={name!r}: expected one of {sorted(TRANSPORTS)} or ''")
    return TRANSPORTS[name]()
