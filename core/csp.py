"""The site's Content-Security-Policy (django-csp), with the few path-scoped allowances third-party screens need.

The policy itself is `CONTENT_SECURITY_POLICY` in config/settings/base.py. `VANTHU_CSP_PATH_ALLOWANCES` lists,
per path prefix, what is added there and why; everywhere else scripts run only from this origin or with the
request's nonce (`{{ request.csp_nonce }}`), never inline.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class PathScopedCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        for prefix, allowance in settings.VANTHU_CSP_PATH_ALLOWANCES.items():
            if request.path_info.startswith(prefix):
                update = dict(parts.update or {})
                for directive, sources in allowance.get("update", {}).items():
                    update[directive] = [*update.get(directive, []), *sources]
                parts.update = update
                if allowance.get("no_nonce"):
                    # A nonce in script-src makes browsers ignore 'unsafe-inline'.
                    parts.nonce = None
        return parts
