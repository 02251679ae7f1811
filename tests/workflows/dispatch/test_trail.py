"""The dispatch trail reads as Vietnamese sentences, and every code the dispatch services write has one."""

import re
from pathlib import Path

from django.urls import reverse

from workflows.dispatch import trail

SERVICES = Path(trail.__file__).parent
# The f-string codes and the values their placeholder takes at the call sites.
DYNAMIC = {
    "workflows.dispatch.{step}_failed": ["number", "sign", "seal"],
    "workflows.dispatch.{step}": ["signed", "sealed"],
    "workflows.dispatch.{step}_approved": ["review", "approve"],
    "workflows.dispatch.{step}_returned": ["review", "approve"],
}


def written_codes() -> set[str]:
    source = "\n".join(p.read_text() for p in SERVICES.rglob("*.py") if p.name != "trail.py")
    codes = set(re.findall(r'(?<!f)"(workflows\.dispatch\.[a-z_]+)"', source))
    dynamic = set(re.findall(r'f"(workflows\.dispatch\.\{step\}[a-z_]*)', source))
    dynamic |= (
        {"workflows.dispatch.{step}_approved", "workflows.dispatch.{step}_returned"}
        if "'approved' if" in source
        else set()
    )
    dynamic.discard("workflows.dispatch.{step}_")
    assert dynamic <= set(DYNAMIC), f"a new computed code: {dynamic - set(DYNAMIC)}"
    for pattern in dynamic:
        codes |= {pattern.replace("{step}", step) for step in DYNAMIC[pattern]}
    return codes


def test_every_written_code_has_a_sentence():
    codes = written_codes()
    assert "workflows.dispatch.review_approved" in codes and "workflows.dispatch.numbered" in codes
    assert codes - set(trail.SENTENCES) == set()


def test_document_page_shows_sentences_not_codes(driver, people):
    process = driver.start()
    driver.submit(process)
    driver.decide(people.head, process, "review", "approve", "Đồng ý.")
    driver.as_(people.author)
    page = driver.client.get(reverse("dispatch:detail", args=[process.pk])).content.decode()
    head = people.head.get_full_name() or people.head.get_username()
    assert f"{head} (Chánh Thanh tra) duyệt dự thảo 1 lúc " in page
    assert "workflows.dispatch." not in page
