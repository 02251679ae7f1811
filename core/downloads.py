"""Every file the site hands out goes through `file_response`: always a download (`attachment`), never sniffed
into another type, and sandboxed should a browser render it anyway, so an uploaded file can never run script in
the site's origin (issue 11, hole 2). `DownloadHeadersMiddleware` applies the same headers to any response that
carries a file (a `Content-Disposition`), including the leaf apps' exports, which may not import this module."""

from __future__ import annotations

from django.core.files.base import File
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

SANDBOX = "sandbox"


def harden(response: HttpResponse) -> HttpResponse:
    """The download headers, on a response that carries a file."""
    disposition = response.get("Content-Disposition", "")
    if not disposition.lower().startswith("attachment"):
        _kind, _sep, params = disposition.partition(";")
        response["Content-Disposition"] = "attachment" + (f";{params}" if params else "")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response._csp_exempt = True  # django-csp: keep the sandbox, not the site's page policy
    return response


def file_response(content: bytes | File, *, filename: str, content_type: str) -> HttpResponse:
    """Serve bytes or an open file as a download named `filename` (RFC 6266 encoded by Django)."""
    if isinstance(content, bytes | bytearray):
        response = HttpResponse(bytes(content), content_type=content_type)
    else:
        response = FileResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return harden(response)


def stored_file_response(stored, *, filename: str = "") -> HttpResponse:
    """A `core.StoredFile` as a download."""
    return file_response(
        stored.file.open("rb"),
        filename=filename or stored.filename or stored.sha256,
        content_type=stored.content_type or "application/octet-stream",
    )


class DownloadHeadersMiddleware:
    """The backstop: a response with a `Content-Disposition` gets the download headers whoever built it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Content-Disposition"):
            harden(response)
        return response
