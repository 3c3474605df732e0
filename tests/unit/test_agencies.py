"""The agency registry (data/agencies.json): enough agencies, clean names, house styles the code reads."""

import orjson

from services.enrich.syndication.outlets import AGENCIES, BUILTIN, STYLES, load_outlets

ROWS = orjson.loads(AGENCIES.read_bytes())


def test_at_least_a_hundred_agencies_each_with_country_styles_and_unique_forms():
    assert len(ROWS) >= 100
    forms = [f for row in ROWS for f in (row["name"], *row.get("aliases", []))]
    assert len(forms) == len(set(forms)), "a name or alias is listed twice"
    for row in ROWS:
        assert set(row["styles"]) <= set(STYLES), row["name"]
        assert set(row.get("context_only", [])) <= {row["name"], *row.get("aliases", [])}, row["name"]
        assert row["name"] == row["name"].strip() and "  " not in row["name"]


def test_no_agency_form_is_also_another_outlet():
    others = {f for row in orjson.loads(BUILTIN.read_bytes()) for f in (row["name"], *row.get("aliases", []))}
    agency_forms = {f for row in ROWS for f in (row["name"], *row.get("aliases", []))}
    assert agency_forms.isdisjoint(others)


def test_every_registry_agency_loads_as_an_agency_with_its_styles():
    outlets = load_outlets()
    for row in ROWS:
        for form in (row["name"], *row.get("aliases", [])):
            assert outlets.canonical(form) == row["name"], form
        assert outlets.kind(row["name"]) == "agency"
        assert all(outlets.has_style(row["name"], s) for s in row["styles"])


def test_short_acronyms_are_context_only():
    """ "AP", "PA", "TT": three letters or fewer are ordinary words or initials somewhere."""
    for row in ROWS:
        for form in (row["name"], *row.get("aliases", [])):
            if form.isupper() and len(form) <= 3 and form not in ("AFP", "EFE", "PTI", "UPI", "AAP"):
                assert form in row.get("context_only", []), (row["name"], form)


def test_an_operator_file_replaces_an_agency_and_its_styles(tmp_path):
    extra = tmp_path / "outlets.json"
    extra.write_bytes(orjson.dumps([{"name": "Press Trust of India", "aliases": ["PTI"], "kind": "agency"}]))
    outlets = load_outlets(extra)
    assert outlets.canonical("PTI") == "Press Trust of India"
    assert not outlets.has_style("Press Trust of India", "signoff")
