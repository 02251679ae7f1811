"""`make demo`'s incoming documents: the Ministry's Chỉ thị received by edXML and handled through every role up to
the reply, an overdue one, a scan found by the words OCR read; loading twice changes nothing."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from viewflow.workflow.models import Task

from core.audit import AuditEntry
from core.seeds import get_seed
from workflows.dispatch.models import DispatchProcess
from workflows.incoming.models import Channel, IncomingDocument, Opinion, Status, TextStatus
from workflows.incoming.selectors import is_overdue, search, work_items

# the dispatch demo (the Lạng Sơn reply) loads before the incoming one, as in VANTHU_DEMO_LOADERS
LOADERS = ("core.demo.load", "signing.demo.load", "workflows.dispatch.demo.load", "workflows.incoming.demo.load")


def _load() -> str:
    out = io.StringIO()
    for loader in LOADERS:
        import_string(loader)(out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return (
        IncomingDocument.objects.count(),
        Opinion.objects.count(),
        Task.objects.count(),
        AuditEntry.objects.filter(code__startswith="workflows.incoming.").count(),
        DispatchProcess.objects.filter(answers__isnull=False).count(),
    )


def test_the_incoming_demo_walks_every_role_idempotent(db, signing_pki, client, settings):
    assert "workflows.incoming.demo.load" in settings.VANTHU_DEMO_LOADERS
    assert settings.VANTHU_DEMO_LOADERS.index("workflows.incoming.demo.load") > settings.VANTHU_DEMO_LOADERS.index(
        "workflows.dispatch.demo.load"
    )
    output = _load()
    assert "Chỉ thị 28/CT-BTTTT received by edXML" in output
    documents = {d.display_number: d for d in IncomingDocument.objects.all()}
    assert sorted(documents) == ["01", "02", "03"]
    directive, overdue, scan = documents["01"], documents["02"], documents["03"]

    # 01: received by edXML from the Ministry, signed, handled through every role and answered
    meta = get_seed("chi-thi-28").meta
    assert directive.channel == Channel.EDXML and directive.code == meta["number"]
    assert directive.issuer_name == meta["issuer"] and directive.package is not None
    assert directive.validation["indication"] == "TOTAL_PASSED"
    assert directive.status == Status.DONE
    process = directive.process
    assert (process.lead_unit, process.cooperating_units) == ("TTr", ["BCVT"])
    assert process.handler.username == "chuyenvien"
    levels = list(directive.opinions.order_by("pk").values_list("level", "author__username"))
    assert levels[:2] == [(Opinion.Level.LEADERSHIP, "giamdoc"), (Opinion.Level.UNIT, "truongphong")]
    assert (Opinion.Level.COOPERATING, "chuyenvienbc") in levels
    assert (Opinion.Level.HANDLER, "chuyenvien") in levels
    reply = DispatchProcess.objects.get(data__demo_key="lang-son")
    assert reply.answers == directive and reply.number.endswith("/STTTT-TTr")
    assert list(directive.replies.all()) == [reply]
    assert directive.deadline > timezone.localdate(directive.received_at)

    # 02: overdue and still being handled
    assert overdue.status == Status.IN_PROGRESS
    assert overdue.deadline < timezone.localdate() and is_overdue(overdue) and not is_overdue(directive)
    handler_work = {item.reference: item for item in work_items(overdue.process.handler)}
    assert handler_work[str(overdue)].overdue and str(directive) not in handler_work
    assert overdue.received_at < directive.received_at + timezone.timedelta(days=30)

    # 03: a paper scan, OCR'd; the list's search finds it by a word of its body only
    assert scan.channel == Channel.PAPER and scan.text_status == TextStatus.RECOGNISED
    assert scan.searchable_file is not None
    word = "Huyện ủy"
    assert word.lower() not in f"{scan.subject} {scan.issuer_name}".lower()
    assert scan in search(query=word)
    assert directive not in search(query=word)
    client.force_login(directive.registered_by)
    page = client.get(reverse("incoming:list"), {"q": "huyen uy"})
    assert page.status_code == 200 and scan.subject in page.content.decode()

    before = _counts()
    _load()
    assert _counts() == before


@pytest.mark.parametrize("word", ["hàng lậu"])
def test_the_directive_is_found_by_its_text_layer(db, signing_pki, word):
    import_string("core.demo.load")(io.StringIO())
    import_string("signing.demo.load")(io.StringIO())
    import_string("workflows.incoming.demo.load")(io.StringIO())  # without the dispatch demo: closed, no reply
    directive = IncomingDocument.objects.get(number=1)
    assert directive.status == Status.DONE and not directive.replies.exists()
    assert directive.text_status == TextStatus.EXTRACTED
    assert directive in search(query=word)
