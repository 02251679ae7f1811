from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url


class WorkflowLoginRedirectMiddleware:
    """Viewflow's frontend answers anonymous users with 403; send them to the login page instead."""

    prefix = "/workflow/"

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.prefix) and not request.user.is_authenticated:
            login_url = resolve_url(settings.LOGIN_URL)
            return HttpResponseRedirect(f"{login_url}?next={quote(request.get_full_path())}")
        return self.get_response(request)
