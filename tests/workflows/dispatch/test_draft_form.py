"""The drafting form without a browser's script: the recipients are plain checkboxes, grouped by type, each carrier
with its type and commune, the chosen ones checked again when the draft is opened."""

from __future__ import annotations

import re

import pytest

from .conftest import execute_url, open_task

pytestmark = pytest.mark.django_db


def test_carriers_are_grouped_by_type_with_their_commune_and_the_chosen_one_is_checked(driver, people):
    process = driver.start()  # draft_payload chooses people.carrier
    page = driver.client.get(execute_url(open_task(process, "draft"))).content.decode()
    picker = page.split('id="id_carriers"', 1)[1].split("</fieldset>", 1)[0]
    assert re.findall(r'<p class="picker__subhead">([^<]+)</p>', picker) == ["Doanh nghiệp bưu chính", "Bưu cục"]
    assert "Bưu cục · Xã Tràng Định" in picker
    checked = re.findall(r'<input type="checkbox" name="carriers" value="(\d+)"[^>]*checked', picker)
    assert checked == [str(people.carrier.pk)]
    assert "data-picker-tools hidden" in picker  # the search tools appear only with the script
