"""The demo library lists documents as they were issued: each with its number."""

import re

from cms.models import DirectivePage


def test_every_directive_of_the_demo_library_has_its_number(demo_site):
    numbers = list(DirectivePage.objects.live().values_list("number", flat=True))
    assert numbers, "the demo library is empty"
    assert all(re.match(r"^\d+/", number) for number in numbers), numbers
