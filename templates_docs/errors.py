"""Errors of the document library. Callers catch `DocumentError` and turn it into a message or an exit code."""

from __future__ import annotations

__all__ = [
    "ConversionError",
    "DocumentError",
    "NumberingError",
    "TemplateDataError",
    "TemplateSyntaxProblem",
    "UnknownDocumentType",
]


class DocumentError(Exception):
    """Base class: every failure this app raises on purpose."""


class UnknownDocumentType(DocumentError):
    def __init__(self, doc_type: str) -> None:
        self.doc_type = doc_type
        super().__init__(f"unknown document type {doc_type!r}")


class TemplateDataError(DocumentError):
    """The data given for a document is incomplete or malformed. `field` names the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class TemplateSyntaxProblem(DocumentError):
    """A DOCX template is refused: broken Jinja syntax or an unknown placeholder.

    `line` is the 1-based paragraph number in the template (body, then headers and footers), `name` the
    placeholder or the tag at fault.
    """

    def __init__(self, *, line: int | None, name: str, message: str) -> None:
        self.line = line
        self.name = name
        self.message = message
        where = f"line {line}" if line is not None else "template"
        super().__init__(f"{where}: {name}: {message}")


class ConversionError(DocumentError):
    """LibreOffice could not convert the document (dead, hung past the timeout, or refused the file)."""


class NumberingError(DocumentError):
    """A number could not be allocated (called outside a transaction, bad series...)."""
