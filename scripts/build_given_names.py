"""Regenerates services/enrich/entities/data/given_names.txt from Faker's per-locale given-name lists.

Faker (pinned in the dev group) keeps given names for some 80 locales; the worker only needs the
Latin-script, single-word ones, as a plain sorted file, so it does not import Faker at run time.
Run: `.venv/bin/python scripts/build_given_names.py` after bumping Faker; a unit test checks the file
matches what this script produces.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

TARGET = (
    Path(__file__).resolve().parent.parent / "services" / "enrich" / "entities" / "data" / "given_names.txt"
)
# One capitalised word in Latin script: what a name looks like in English-language wire copy.
_LATIN_NAME = re.compile(r"^[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿāăąćčďđēėęěğīıįķļłńņňōőœŕřśşšţťūůűųźżž'’-]+$")
_ATTRIBUTES = ("first_names", "first_names_male", "first_names_female")


def given_names() -> list[str]:
    import faker.providers.person as person

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attribute in _ATTRIBUTES:
            values = provider.__dict__.get(attribute)  # some locales define these as properties
            if isinstance(values, (list, tuple, dict, set)):
                names.update(v.strip() for v in values if isinstance(v, str))
    return sorted(n for n in names if _LATIN_NAME.match(n))


def render() -> str:
    import faker

    header = (
        f"# Given names, one per line: Latin-script names of Faker {faker.VERSION} person providers (MIT).\n"
    )
    return header + "\n".join(given_names()) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.name}")
