"""What a draft is: the content its author writes and the places it goes to. One definition, used by the drafting
form (which is built on the same model fields), the services that write it onto the process, and the snapshot
kept at each submission."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser

from .models import DispatchProcess, DispatchRecipient


@dataclass(frozen=True)
class RecipientSpec:
    """One line of "Nơi nhận" as the author gives it."""

    kind: str
    name: str
    unit_abbreviation: str = ""
    carrier_id: int | None = None
    organ_id: str = ""
    email: str = ""

    @classmethod
    def of(cls, recipient: DispatchRecipient) -> RecipientSpec:
        return cls(**{f.name: getattr(recipient, f.name) for f in dataclasses.fields(cls)})


@dataclass
class DraftData:
    """The content of a draft; every field but `recipients` is a field of `DispatchProcess` of the same name.
    The order is the drafting form's."""

    doc_type: str = "cong-van"
    subject: str = ""
    addressees: list[str] = dataclasses.field(default_factory=list)
    legal_bases: list[str] = dataclasses.field(default_factory=list)
    body: str = ""
    urgency: str = ""
    signer: AbstractBaseUser | None = None
    authority_prefix: str = ""
    authority_title: str = ""
    drafting_unit: str = ""
    is_public: bool = False
    field: str = "Bưu chính"
    recipients: list[RecipientSpec] = dataclasses.field(default_factory=list)

    NOT_ON_PROCESS: ClassVar[frozenset[str]] = frozenset({"recipients"})

    @classmethod
    def process_fields(cls) -> tuple[str, ...]:
        """The names of the process fields a draft writes, in the order the form shows them."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.name not in cls.NOT_ON_PROCESS)

    @classmethod
    def of(cls, process: DispatchProcess) -> DraftData:
        """The draft as the process holds it now."""
        return cls(
            **{name: getattr(process, name) for name in cls.process_fields()},
            recipients=[RecipientSpec.of(r) for r in process.recipients.all()],
        )

    def normalised(self) -> DraftData:
        """Surrounding spaces and empty lines dropped; the head's title in capitals as ND30 prints it."""
        return dataclasses.replace(
            self,
            subject=self.subject.strip(),
            body=self.body.strip(),
            addressees=[a.strip() for a in self.addressees if a.strip()],
            legal_bases=[b.strip() for b in self.legal_bases if b.strip()],
            authority_title=self.authority_title.strip().upper(),
        )

    def write_to(self, process: DispatchProcess) -> None:
        """Set the process's fields (not saved; recipients are rows of their own)."""
        for name in self.process_fields():
            setattr(process, name, getattr(self, name))

    def snapshot(self) -> dict[str, Any]:
        """JSON for the version history: the signer by id, recipients as plain dicts."""
        content = {name: getattr(self, name) for name in self.process_fields()}
        content["signer"] = self.signer.pk if self.signer is not None else None
        content["recipients"] = [dataclasses.asdict(r) for r in self.recipients]
        return content
