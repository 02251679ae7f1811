"""The staff workspace: "Việc của tôi", one list of what waits for the user across the flows."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    if not selectors.is_staff_member(request.user):
        raise PermissionDenied
    return render(
        request,
        "workspace/mine.html",
        {
            "items": selectors.work_for(request.user),
            "batch_links": selectors.batch_links_for(request.user),
            "start_links": selectors.start_links_for(request.user),
        },
    )
