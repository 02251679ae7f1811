"""Validation of any PDF into a verdict, free of Django, bounded in time and memory.

Along pyHanko's own seams: `report` (the verdict as data: enums and predicates), `legacy` (the SubFilters
pyHanko's PDF validator refuses), `policy` (which changes after signing are acceptable), `evidence` (time-stamps,
DSS, CMS revocation data, PAdES level), `validate` (the engine, in-process) and `isolation` (the engine in a
limited child process). Words for people are rendered at the Django edge, `signing.explain`.
"""

from signing.validation.evidence import base_revision_end
from signing.validation.fetching import FetchPolicy
from signing.validation.isolation import IsolatedValidator
from signing.validation.legacy import LEGACY_SUBFILTERS, SUPPORTED_SUBFILTERS
from signing.validation.report import (
    EXIT_CODES,
    ChangeAfterSigning,
    Coverage,
    Indication,
    ModificationLevel,
    ReportReason,
    SignatureFormat,
    SignatureReport,
    SubIndication,
    ValidationReport,
)
from signing.validation.validate import ValidationOptions, validate_bytes

__all__ = [
    "EXIT_CODES",
    "FetchPolicy",
    "LEGACY_SUBFILTERS",
    "SUPPORTED_SUBFILTERS",
    "ChangeAfterSigning",
    "Coverage",
    "Indication",
    "IsolatedValidator",
    "ModificationLevel",
    "ReportReason",
    "SignatureFormat",
    "SignatureReport",
    "SubIndication",
    "ValidationOptions",
    "ValidationReport",
    "base_revision_end",
    "validate_bytes",
]
