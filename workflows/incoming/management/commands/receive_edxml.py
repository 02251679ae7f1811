"""manage.py receive_edxml FILE [--check] [--json] [--as USERNAME]: take one edXML package as its receiver would.

Exit 0 accepted (registered, or with --check: would be), 1 refused (misaddressed, tampered, unsigned, not
registrable: the reason is printed), 2 usage (no such file, no clerk), 3 unreadable (broken XML, base64 or ZIP, a
bomb, over a limit).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from workflows.incoming.packages import Assessment, UnreadablePackage
from workflows.incoming.selectors import REGISTER_PERMISSION
from workflows.incoming.services.receiving import Outcome, already_registered, inspect_package, receive_package

EXIT_ACCEPTED, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3


def describe(assessment: Assessment) -> dict[str, Any]:
    """What the package says and what the check found, as plain values (the --json object, the text lines)."""
    package = assessment.package
    response = package.response_for
    attachments = []
    for check in assessment.checks:
        a = check.attachment
        item: dict[str, Any] = {
            "name": a.name,
            "size": a.size,
            "detected_type": a.detected_type,
            "declared_type": a.declared_type,
            "zip_wrapped": a.zip_wrapped,
            "sha256": a.sha256,
        }
        if check.report is not None:
            signers = [s.signer_common_name for s in check.report.signatures if s.signer_common_name]
            item["signature"] = {
                "verdict": check.report.indication,
                "reason": check.report.reason_code,
                "signers": signers,
            }
        attachments.append(item)
    return {
        "sender": {"organ_id": package.sender.organ_id, "name": package.sender.name},
        "recipients": [r.organ_id for r in package.recipients],
        "document_id": package.document_id,
        "number": package.number,
        "date": package.promulgation_date.isoformat() if package.promulgation_date else None,
        "type": package.type_name,
        "subject": package.subject,
        "signer": package.signer.full_name,
        "response_for": (
            {
                "organ_id": response.organ_id,
                "code": response.code,
                "date": response.promulgation_date.isoformat() if response.promulgation_date else None,
                "document_id": response.document_id,
            }
            if response
            else None
        ),
        "business_type": package.business_type.name.lower(),
        "status_code": package.status_code or None,
        "attachments": attachments,
    }


class Command(BaseCommand):
    help = "Read an edXML package as its receiver: check it (--check) or register it (--as a clerk)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the edXML package")
        parser.add_argument("--check", action="store_true", help="only check and print, register nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--as", dest="username", help="the clerk who registers it (required without --check)")
        parser.add_argument(
            "--confirm-duplicate", action="store_true", help="register even if it looks already registered"
        )

    def handle(self, *args, file: str, check: bool, json: bool, username: str | None, **options) -> None:
        with translation.override("vi"):  # reasons in Vietnamese, as the sender is told them
            self._handle(file=file, check=check, as_json=json, username=username, confirm=options["confirm_duplicate"])

    def _clerk(self, username: str | None):
        if not username:
            raise CommandError("registering needs the clerk who does it: --as USERNAME (or --check)", returncode=2)
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}", returncode=EXIT_USAGE)
        if not user.has_perm(REGISTER_PERMISSION):
            raise CommandError(
                f"user {username!r} may not register incoming documents (needs {REGISTER_PERMISSION})",
                returncode=EXIT_USAGE,
            )
        return user

    def _handle(self, *, file: str, check: bool, as_json: bool, username: str | None, confirm: bool) -> None:
        user = None if check else self._clerk(username)
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}", returncode=EXIT_USAGE) from exc

        if check:
            try:
                assessment = inspect_package(data)
            except UnreadablePackage as exc:
                return self._finish({"result": "unreadable", "reason": exc.message, "detail": exc.detail}, as_json)
            result = describe(assessment)
            existing = already_registered(assessment)
            if assessment.accepted:
                result["result"] = "accepted"
            else:
                result |= {
                    "result": "refused",
                    "reason": assessment.refusal.message,
                    "detail": assessment.refusal.detail,
                }
            if existing is not None:
                result["already_registered"] = f"{existing.display_number}/{existing.year}"
            return self._finish(result, as_json)

        received = receive_package(data=data, user=user, confirm_duplicate=confirm)
        result = describe(received.assessment) if received.assessment else {}
        result["result"] = {
            Outcome.ACCEPTED: "registered",
            Outcome.ALREADY: "already-registered",
        }.get(received.outcome, received.outcome.value)
        if received.reason is not None:
            result |= {"reason": received.reason.message, "detail": received.reason.detail}
        if received.recall is not None:
            result["recall"] = {"state": received.recall.state, "note": received.recall.decision_note}
        elif received.document is not None:
            result["registered"] = {
                "id": received.document.pk,
                "number": f"{received.document.display_number}/{received.document.year}",
            }
        self._finish(result, as_json)

    def _finish(self, result: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self._print(result)
        code = {
            "accepted": EXIT_ACCEPTED,
            "registered": EXIT_ACCEPTED,
            "already-registered": EXIT_ACCEPTED,
            "status": EXIT_ACCEPTED,
            "recall": EXIT_ACCEPTED,
            "unreadable": EXIT_UNREADABLE,
        }.get(result["result"], EXIT_REFUSED)
        if code:
            raise CommandError(f"{result['result']}: {result.get('reason', '')}".rstrip(": "), returncode=code)

    def _print(self, result: dict[str, Any]) -> None:
        write = self.stdout.write
        line = result["result"]
        if result.get("reason"):
            line += f": {result['reason']}"
        write(f"Result:         {line}")
        if "sender" not in result:
            return
        sender = result["sender"]
        response = result["response_for"]
        rows = [
            ("Sender", f"{sender['organ_id']} {sender['name']}".strip()),
            ("Recipients", ", ".join(result["recipients"]) or "-"),
            ("Document id", result["document_id"] or "-"),
            ("Number", result["number"] or "-"),
            ("Date", result["date"] or "-"),
            ("Type", result["type"] or "-"),
            ("Subject", result["subject"] or "-"),
            ("Signer", result["signer"] or "-"),
            ("Response for", f"{response['document_id']} ({response['code']})" if response else "-"),
            ("Business type", result["business_type"]),
        ]
        if result["status_code"]:
            rows.append(("Status code", result["status_code"]))
        if result.get("already_registered"):
            rows.append(("Registered as", result["already_registered"]))
        if result.get("registered"):
            rows.append(("Registered as", result["registered"]["number"]))
        if result.get("recall"):
            rows.append(("Recall", f"{result['recall']['state']} {result['recall']['note']}".strip()))
        for label, value in rows:
            write(f"{label + ':':<15} {value}")
        write(f"Attachments:    {len(result['attachments'])}")
        for index, item in enumerate(result["attachments"], start=1):
            wrapped = ", ZIP-wrapped" if item["zip_wrapped"] else ""
            write(f"  {index}. {item['name']} ({item['size']} bytes, {item['detected_type']}{wrapped})")
            if "signature" in item:
                signature = item["signature"]
                signers = ", ".join(signature["signers"]) or "-"
                reason = f" ({signature['reason']})" if signature["reason"] else ""
                write(f"     signature: {signature['verdict']}{reason}; signed by {signers}")
