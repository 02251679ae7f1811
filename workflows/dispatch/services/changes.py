"""What changed between two submitted versions of a draft: field by field, word by word (difflib), for the head of
unit and the leader who returned a draft and get it back."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from templates_docs.doctypes import DOCUMENT_TYPES, Urgency
from workflows.dispatch.models import (
    AuthorityPrefix,
    DispatchComment,
    DispatchProcess,
    DispatchRecipient,
    DispatchVersion,
)

EQUAL, INSERTED, DELETED = "equal", "insert", "delete"


@dataclass(frozen=True)
class FieldChange:
    """One field that differs: its label, and the text as runs of (EQUAL | INSERTED | DELETED, text)."""

    name: str
    label: str
    runs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class VersionComparison:
    """The version a reviewer returned, its comment, the version now submitted, and what differs between them."""

    returned: DispatchVersion
    comment: DispatchComment
    current: DispatchVersion
    changes: tuple[FieldChange, ...]


def _labels() -> dict[str, str]:
    fields = {f.name: f for f in DispatchProcess._meta.get_fields() if hasattr(f, "verbose_name")}
    names = ["doc_type", "subject", "addressees", "legal_bases", "body", "urgency", "signer", "authority_prefix"]
    names += ["authority_title", "drafting_unit", "is_public"]
    labels = {name: str(fields[name].verbose_name).capitalize() for name in names}
    labels |= {"recipients": _("Nơi nhận"), "attachments": _("Phụ lục")}
    return labels


def _signer_name(pk: Any) -> str:
    user = get_user_model().objects.filter(pk=pk).first() if pk else None
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _recipient_line(recipient: dict) -> str:
    kind = dict(DispatchRecipient.Kind.choices).get(recipient.get("kind", ""), "")
    details = " | ".join(part for part in (recipient.get("organ_id", ""), recipient.get("email", "")) if part)
    return f"{recipient.get('name', '')} ({kind}){' — ' + details if details else ''}"


def field_text(name: str, value: Any) -> str:
    """A snapshot's value as the reader knows it: names, not ids or codes; one line per item."""
    if name == "doc_type":
        kind = DOCUMENT_TYPES.get(value)
        return kind.name if kind else str(value or "")
    if name == "urgency":
        return str(dict(Urgency.choices).get(value or "", value))
    if name == "authority_prefix":
        return str(dict(AuthorityPrefix.choices).get(value or "", value))
    if name == "signer":
        return _signer_name(value)
    if name == "is_public":
        return _("Có") if value else _("Không")
    if name == "recipients":
        return "\n".join(_recipient_line(r) for r in value or [])
    if name == "attachments":
        return "\n".join(f"{a.get('title', '')} ({a.get('sha256', '')[:12]})" for a in value or [])
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value if value is not None else "")


_TOKENS = re.compile(r"\s+|[^\s]+")


def _word_runs(before: str, after: str, add) -> None:
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            add(EQUAL, "".join(old[i1:i2]))
        else:
            add(DELETED, "".join(old[i1:i2]))
            add(INSERTED, "".join(new[j1:j2]))


def text_runs(before: str, after: str) -> tuple[tuple[str, str], ...]:
    """`before` → `after` as runs of equal, deleted and inserted text: line by line (a line is a paragraph), and
    word by word inside a line that was edited rather than replaced."""
    runs: list[tuple[str, str]] = []

    def add(kind: str, text: str) -> None:
        if not text:
            return
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + text)
        else:
            runs.append((kind, text))

    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            add(EQUAL, "".join(old[i1:i2]))
        elif op == "replace" and i2 - i1 == j2 - j1:
            for old_line, new_line in zip(old[i1:i2], new[j1:j2], strict=True):
                if difflib.SequenceMatcher(a=old_line, b=new_line, autojunk=False).ratio() >= 0.5:
                    _word_runs(old_line, new_line, add)
                else:
                    add(DELETED, old_line)
                    add(INSERTED, new_line)
        else:
            add(DELETED, "".join(old[i1:i2]))
            add(INSERTED, "".join(new[j1:j2]))
    return tuple(runs)


def compare_contents(*, before: dict, after: dict) -> tuple[FieldChange, ...]:
    """The fields whose printed meaning differs between two version snapshots, in the form's order."""
    changes = []
    for name, label in _labels().items():
        old, new = field_text(name, before.get(name)), field_text(name, after.get(name))
        if old != new:
            changes.append(FieldChange(name=name, label=label, runs=text_runs(old, new)))
    return tuple(changes)


def since_returned(process: DispatchProcess) -> VersionComparison | None:
    """What changed between the last version returned (at review or approval) and the latest one submitted;
    None when nothing was ever returned or the returned draft is not resubmitted yet."""
    comment = process.comments.filter(decision=DispatchComment.Decision.RETURN).order_by("-pk").first()
    current = process.versions.order_by("-number", "-pk").first()
    if comment is None or current is None or current.number <= comment.version:
        return None
    returned = process.versions.filter(number=comment.version).order_by("-pk").first()
    if returned is None:
        return None
    return VersionComparison(
        returned=returned,
        comment=comment,
        current=current,
        changes=compare_contents(before=returned.content, after=current.content),
    )
