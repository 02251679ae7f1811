"""Reads of the public portal: the accent-insensitive search."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from cms.models import SearchEntry
from cms.text import search_key

MAX_TERMS = 8
MAX_QUERY_CHARS = 200


@dataclass(frozen=True)
class ParsedQuery:
    key: str
    terms: list[str]


def parse_query(query: str) -> ParsedQuery:
    key = search_key(query[:MAX_QUERY_CHARS])
    terms = list(dict.fromkeys(key.split()))[:MAX_TERMS]
    return ParsedQuery(key=" ".join(key.split()[: MAX_TERMS * 2]), terms=terms)


def search_entries(parsed: ParsedQuery) -> QuerySet[SearchEntry]:
    """Live pages whose text has every term at a word start, best first.

    Ranking: the exact document number, then type + number ("chi thi 28"), then the whole phrase in the title, in the keywords (number, issuer,
    subject...), anywhere; then each term in the title and keywords. Plain LIKE on folded text, so SQLite and
    PostgreSQL give the same answer.
    """
    if not parsed.terms:
        return SearchEntry.objects.none()
    entries = SearchEntry.objects.all()
    for term in parsed.terms:
        entries = entries.filter(text_key__contains=f" {term}")
    phrase = f" {parsed.key}"
    score = Case(
        When(number_key=parsed.key, then=Value(1000)),
        When(Q(designation_key=parsed.key) | Q(designation_key__startswith=f"{parsed.key} "), then=Value(500)),
        When(number_key__startswith=f"{parsed.key} ", then=Value(300)),
        default=Value(0),
    )
    score += _weight(Q(title_key__contains=phrase), 100) + _weight(Q(keywords_key__contains=phrase), 40)
    score += _weight(Q(text_key__contains=f"{phrase} "), 20)
    for term in parsed.terms:
        score += _weight(Q(title_key__contains=f" {term}"), 10) + _weight(Q(keywords_key__contains=f" {term}"), 3)
    return entries.annotate(score=score).order_by("-score", F("date").desc(nulls_last=True), "pk")


def _weight(condition: Q, weight: int) -> Case:
    return Case(When(condition, then=Value(weight)), default=Value(0), output_field=IntegerField())
