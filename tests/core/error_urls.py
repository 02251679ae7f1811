"""The project's URLs plus views that fail on purpose, to reach Django's 400 and 500 handlers for real."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def broken(request):
    raise RuntimeError("a bug in a view")


def suspicious(request):
    raise SuspiciousOperation("a request the server refuses")


urlpatterns = [path("__loi__/500/", broken), path("__loi__/400/", suspicious), *project_urlpatterns]
