"""Demo data: the built-in template of every type stored as its version 1 and activated."""

from __future__ import annotations

from templates_docs.builder import builtin_template
from templates_docs.doctypes import DOCUMENT_TYPES
from templates_docs.models import TemplateVersion
from templates_docs.services import activate_template_version


def load(stdout) -> None:
    created = 0
    for slug in DOCUMENT_TYPES:
        if TemplateVersion.objects.filter(doc_type=slug).exists():
            continue
        version = TemplateVersion.objects.create(
            doc_type=slug,
            version=1,
            docx=builtin_template(slug),
            filename=f"{slug}.docx",
            note="Mẫu dựng sẵn theo Phụ lục I Nghị định 30/2020/NĐ-CP",
        )
        activate_template_version(version=version)
        created += 1
    stdout.write(f"templates_docs: {created} template version(s) activated\n")
