"""The base of every app's refusals (the leaves `signing` and `templates_docs` keep their own: they import no app).

Each app has one hierarchy under it (`workflows.dispatch.errors.DispatchError`, `workflows.pledges.errors.
PledgeError`, `cms.errors.CmsError`). `message` is for the user, in Vietnamese through gettext; `detail`, in
English, is for logs and the command line. Views show `message` (a form error or a flash message); management
commands turn the error into `CommandError`, whose exit code is 1.
"""

from __future__ import annotations


class UserError(Exception):
    """A refusal or failure the user can act on; nothing was changed."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(detail or message)
        self.message = message
        self.detail = detail
