"""Read the organisation settings as plain data for the apps that must not import Django models of others."""

from __future__ import annotations

from typing import Any

from core.models import OrganisationSettings


def organisation_info() -> dict[str, Any]:
    """The issuing agency as a plain dict: what templates_docs needs to print a header."""
    org = OrganisationSettings.load()
    return {
        "parent_agency": org.parent_agency_name,
        "agency": org.agency_name,
        "abbreviation": org.agency_abbreviation,
        "place": org.place_name,
        "address": org.address,
        "phone": org.phone,
        "hotline": org.hotline,
        "email": org.email,
        "website": org.website,
        "units": [{"name": u.name, "abbreviation": u.abbreviation} for u in org.units.all()],
    }
