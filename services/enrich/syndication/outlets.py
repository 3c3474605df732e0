"""The maintained lists of news outlets: canonical names, aliases, kinds.

data/agencies.json is the registry of national and international news agencies (kind "agency"), each with
its country and house styles: "dateline" (files under "CITY (AGENCY) —"), "signoff" (papers close its copy
with the bare name: "... into the US. PTI"), "lowercase" (writes its own name in lower case: dpa), "credits-in-parentheses" (closes with its staff
in parentheses: "(Reporting by A; Editing by B)", Reuters).
data/outlets.json holds every other outlet: broadcasters, newspapers, magazines, online publications.

`context_only` names are ordinary words too ("Time", "AP", "The Hill"): they count as outlets in a credit
line or an attribution ("told The Hill"), but are not handed to the NER ruler, where they would tag
"Time" at the start of a sentence as an ORG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from retrie.trie import Trie

from services.common.exceptions import SettingsError
from services.enrich.entities.name_lists import ListedName

BUILTIN = Path(__file__).with_name("data") / "outlets.json"
AGENCIES = Path(__file__).with_name("data") / "agencies.json"
KINDS = ("agency", "broadcaster", "newspaper", "magazine", "online")
STYLES = ("dateline", "signoff", "lowercase", "credits-in-parentheses")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_EDGE = " \t\n.,;:!?\"'“”‘’()[]-—–"


@dataclass(frozen=True)
class OutletIndex:
    entries: tuple[ListedName, ...]
    _by_form: dict[str, str]
    pattern: re.Pattern[str]
    """Any name or alias, the longest that fits, on word boundaries; case-sensitive (outlet names are
    capitalised)."""
    styles: dict[str, frozenset[str]] = field(default_factory=dict)
    """House styles of the agencies, by canonical name."""
    agency_pattern: re.Pattern[str] | None = None
    """The agencies' names and aliases in any case ("dpa", "reuters", "AFP"): read only inside a credit's
    grammar ("With reporting by dpa."), never over story text, where "trend" is a word."""
    agency_capitals: re.Pattern[str] | None = None
    """The agencies' names in capitals ("THE ASSOCIATED PRESS"), as bylines and stamps write them."""
    _by_compact: dict[str, str] = field(default_factory=dict)

    def canonical(self, text: str) -> str | None:
        """ "the Associated Press'", "AP", "Reuters’s" -> canonical name; None when not an outlet."""
        cleaned = _POSSESSIVE.sub("", text.strip(_EDGE)).strip(_EDGE)
        for candidate in (cleaned, _strip_the(cleaned)):
            found = self._by_form.get(candidate.casefold())
            if found:
                return found
        return None

    def compact(self, text: str) -> str | None:
        """A name run together, as domains and handles write it: "USATODAY", "TheGuardian", "FoxNews"."""
        return self._by_compact.get(_compact(text)) if _compact(text) else None

    def slug(self, name: str) -> str:
        return slug(name)

    def kind(self, name: str) -> str | None:
        return next((o.kind for o in self.entries if o.name == name), None)

    def has_style(self, name: str, style: str) -> bool:
        return style in self.styles.get(name, frozenset())

    def with_style(self, style: str) -> list[str]:
        return sorted(name for name, styles in self.styles.items() if style in styles)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _strip_the(text: str) -> str:
    return text[4:] if text[:4].lower() == "the " else text


def _parse(data: bytes, origin: str, default_kind: str = "online") -> list[ListedName]:
    try:
        rows = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SettingsError(f"outlets file {origin}: not valid JSON ({exc})") from None
    if not isinstance(rows, list):
        raise SettingsError(f"outlets file {origin}: must be a JSON array of outlets")
    outlets = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not row["name"].strip():
            raise SettingsError(f"outlets file {origin}: entry {i} needs a non-empty string 'name'")
        kind = row.get("kind", default_kind)
        if kind not in KINDS:
            raise SettingsError(
                f"outlets file {origin}: entry {i} ({row['name']}): kind must be one of {KINDS}"
            )
        styles = row.get("styles", [])
        if not isinstance(styles, list) or not set(styles) <= set(STYLES):
            raise SettingsError(
                f"outlets file {origin}: entry {i} ({row['name']}): styles must be a list of {STYLES}"
            )
        aliases = tuple(a for a in row.get("aliases", []) if isinstance(a, str) and a.strip())
        outlets.append(ListedName(row["name"], aliases, kind, frozenset(row.get("context_only", []))))
    return outlets


def _styles(data: bytes) -> dict[str, frozenset[str]]:
    return {row["name"]: frozenset(row.get("styles", ())) for row in orjson.loads(data)}


def load_outlets(extra_file: Path | None = None) -> OutletIndex:
    """The built-in list, plus an operator's file (NEWSWIRE_OUTLETS_FILE) whose entries win on conflict."""
    agencies = AGENCIES.read_bytes()
    outlets = _parse(agencies, "built-in agencies", "agency") + _parse(BUILTIN.read_bytes(), "built-in")
    styles = _styles(agencies)
    if extra_file is not None:
        try:
            data = extra_file.read_bytes()
        except OSError as exc:
            raise SettingsError(f"NEWSWIRE_OUTLETS_FILE: cannot read {extra_file}: {exc.strerror}") from None
        extra = _parse(data, str(extra_file))
        replaced = {o.name for o in extra}
        outlets = [o for o in outlets if o.name not in replaced] + extra
        styles = {name: s for name, s in styles.items() if name not in replaced} | {
            name: s for name, s in _styles(data).items() if s
        }
    by_form: dict[str, str] = {}
    for outlet in outlets:
        for form in outlet.surface_forms:
            by_form[form.casefold()] = outlet.name
            by_form.setdefault(_strip_the(form).casefold(), outlet.name)
    # As a trie ("Reuters(?: Health)?"): it matches as the plain alternation of the forms, longest first,
    # would, but tries each character once instead of every form in turn (9x faster on long stories).
    forms = Trie(*{f for o in outlets for f in o.surface_forms}).pattern()
    pattern = re.compile(r"(?<![\w-])" + forms + r"(?![\w-])")
    agency_forms = Trie(*{f.casefold() for o in outlets if o.kind == "agency" for f in o.surface_forms})
    agency_pattern = re.compile(r"(?<![\w-])(?i:" + agency_forms.pattern() + r")(?![\w-])")
    capitals = Trie(*{f.upper() for o in outlets if o.kind == "agency" for f in o.surface_forms})
    agency_capitals = re.compile(r"(?<![\w-])" + capitals.pattern() + r"(?![\w-])")
    by_compact: dict[str, str] = {}
    for outlet in outlets:
        for form in outlet.surface_forms:
            for variant in (form, _strip_the(form)):
                if len(_compact(variant)) >= 4:  # "AP", "PA" run into a word are no names
                    by_compact.setdefault(_compact(variant), outlet.name)
    return OutletIndex(tuple(outlets), by_form, pattern, styles, agency_pattern, agency_capitals, by_compact)
