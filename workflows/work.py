"""The row every flow app hands the staff workspace (workflows.workspace): one thing a person can act on now.

It lives here, beside the flow apps rather than inside the workspace, so a flow app's selectors can build rows
without importing the workspace that imports them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkItem:
    kind: str  # which register it belongs to, in Vietnamese ("Văn bản đi")
    reference: str  # the document's number, or "Dự thảo"
    title: str  # trích yếu
    step: str  # the step, in Vietnamese words
    deadline: datetime.datetime | None
    overdue: bool
    urgency: str  # the urgency's label; "" for an ordinary document
    urgency_rank: int  # 0 ordinary … 3 hỏa tốc
    created: datetime.datetime
    assigned_to_me: bool
    open_url: str  # POST target: takes a queued task for the user, then goes to the step's form
    detail_url: str  # the document's page
