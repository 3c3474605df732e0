"""The maintained list of well-known non-media organisations (data/organisations.json), and the spaCy
component that applies it after the NER.

The small English model mistypes or misses organisations every reader knows: "Bundeswehr" as GPE,
"Manchester United" as PERSON, "Without Borders" cut out of "Doctors Without Borders" as PERSON, "OPEC+"
not at all. The component matches these names (exact, case-sensitive token sequences, as news copy writes
them) and lets them win over the model's reading, and every form of a name comes out under one canonical
id. `context_only` forms are also ordinary words, names or places ("Apple", "Liverpool", "Labor"): they
are never matched on their own, where they would tag the fruit or the city as an organisation, but they
name the organisation when the model itself calls them an ORG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import orjson
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from services.common.exceptions import SettingsError
from services.enrich.entities.companies import LEGAL_FORMS
from services.enrich.entities.name_lists import ListedName

COMPONENT = "organisation_names"
BUILTIN = Path(__file__).with_name("data") / "organisations.json"
KINDS = ("international", "government", "party", "company", "ngo", "sports", "other")
_FIELDS = {"name", "aliases", "kind", "context_only"}
_POSSESSIVE = re.compile(r"(?:'s|')$")
_LEADING_THE = re.compile(r"^(?:the|The)\s+")
_EDGE = " \t\n.,;:!?\"'“”‘()[]—–"


@dataclass(frozen=True)
class OrganisationIndex:
    entries: tuple[ListedName, ...]
    by_form: dict[str, str]
    """Every name and alias, with straight apostrophes, -> canonical name."""


@lru_cache(maxsize=4)
def load_organisations(path: Path = BUILTIN) -> OrganisationIndex:
    """Read and validate the list once per path; a bad entry fails loudly rather than matching nothing."""
    origin = "built-in" if path == BUILTIN else str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"organisations file {origin}: cannot read {path}: {exc.strerror}") from None
    try:
        rows = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SettingsError(f"organisations file {origin}: not valid JSON ({exc})") from None
    if not isinstance(rows, list):
        raise SettingsError(f"organisations file {origin}: must be a JSON array of organisations")
    entries, by_form = [], {}
    for i, row in enumerate(rows):
        entry = _parse_entry(row, f"organisations file {origin}: entry {i}")
        for form in entry.surface_forms:
            key = _straight(form)
            if key in by_form:
                raise SettingsError(
                    f"organisations file {origin}: entry {i} ({entry.name}): form {form!r} is already "
                    f"a form of {by_form[key]!r}; a form can name only one organisation"
                )
            by_form[key] = entry.name
        entries.append(entry)
    return OrganisationIndex(tuple(entries), by_form)


def _parse_entry(row: object, where: str) -> ListedName:
    if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not row["name"].strip():
        raise SettingsError(f"{where} needs a non-empty string 'name'")
    where = f"{where} ({row['name']})"
    unknown = sorted(set(row) - _FIELDS)
    if unknown:  # a misspelt key ("alias") would silently drop forms
        raise SettingsError(f"{where}: unknown field(s) {unknown}; expected {sorted(_FIELDS)}")
    if row.get("kind") not in KINDS:
        raise SettingsError(f"{where}: kind must be one of {KINDS}, not {row.get('kind')!r}")
    aliases = _strings(row.get("aliases", []), "aliases", where)
    context_only = _strings(row.get("context_only", []), "context_only", where)
    forms = (row["name"], *aliases)
    for form in forms:
        # Matching is exact: stray whitespace would make a form that never matches anything.
        if form != form.strip() or "  " in form:
            raise SettingsError(f"{where}: form {form!r} has stray whitespace")
    stray = [form for form in context_only if form not in forms]
    if stray:
        raise SettingsError(f"{where}: context_only {stray} are not its name or aliases")
    return ListedName(row["name"], aliases, row["kind"], frozenset(context_only))


def _strings(value: object, field: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SettingsError(f"{where}: '{field}' must be a list of non-empty strings")
    return tuple(value)


def _straight(text: str) -> str:
    return text.replace("’", "'")


def merged(path: Path = BUILTIN, extra: Path | None = None) -> OrganisationIndex:
    """The list at `path`, plus an operator's file (NEWSWIRE_ORGANISATIONS_FILE, same shape) whose entries
    are added and replace any built-in entry that shares a name or a form with one of them."""
    index = load_organisations(path)
    if extra is None:
        return index
    try:
        added = load_organisations(extra).entries
    except SettingsError as exc:
        raise SettingsError(f"NEWSWIRE_ORGANISATIONS_FILE: {exc}") from None
    taken = {_straight(form) for entry in added for form in entry.surface_forms}
    entries = tuple(e for e in index.entries if not taken & {_straight(f) for f in e.surface_forms}) + added
    by_form = {_straight(form): entry.name for entry in entries for form in entry.surface_forms}
    return OrganisationIndex(entries, by_form)


def ruler_patterns(path: Path = BUILTIN, extra: Path | None = None) -> list[dict]:
    """Patterns for every name and alias that is not context-only, as ORG with the canonical id."""
    return _patterns(merged(path, extra).entries)


def _patterns(entries: tuple[ListedName, ...]) -> list[dict]:
    patterns = []
    for entry in entries:
        for form in entry.ruler_forms:
            # Wire copy mixes straight and curly apostrophes, and the ruler matches token text exactly.
            for variant in dict.fromkeys((form, form.replace("'", "’"))):
                patterns.append({"label": "ORG", "pattern": variant, "id": entry.name})
    return patterns


def canonical(text: str, path: Path = BUILTIN) -> str | None:
    """ "Nvidia’s", "the Pentagon", "Man Utd" -> canonical name; None when not a listed organisation.

    Case-sensitive like the ruler ("Apple" is listed, "apple" is not); context-only forms count here."""
    return lookup(load_organisations(path), text)


def lookup(index: OrganisationIndex, text: str) -> str | None:
    text = _straight(text.strip())
    for base in dict.fromkeys((text, text.strip(_EDGE))):
        for candidate in (base, _POSSESSIVE.sub("", base)):
            for form in (candidate, _LEADING_THE.sub("", candidate)):
                found = index.by_form.get(form)
                if found is not None:
                    return found
    return None


@Language.factory(COMPONENT, default_config={"extra_file": ""})
def make_organisation_names(nlp: Language, name: str, extra_file: str) -> OrganisationNames:
    return OrganisationNames(nlp, extra=Path(extra_file) if extra_file else None)


class OrganisationNames:
    """After the NER, a listed organisation's name wins over what the model made of it ("Nvidia" as GPE,
    "Without Borders" as PERSON), except inside a longer organisation name the model found: "Manchester
    City Council" is not the club, "Oklahoma State Department of Health" not the State Department, and
    "Toyota Motor Corp" is the fuller name of Toyota. Outlets (the ruler before the NER) are left alone.
    The organisation's canonical name goes in the span's kb_id, so its mentions group under one entity."""

    def __init__(self, nlp: Language, extra: Path | None = None) -> None:
        self.index = merged(BUILTIN, extra)
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        forms: dict[str, list] = {}
        for pattern in _patterns(self.index.entries):
            forms.setdefault(pattern["id"], []).append(nlp.make_doc(pattern["pattern"]))
        for canonical_name, docs in forms.items():
            self.matcher.add(canonical_name, docs)

    def __call__(self, doc: Doc) -> Doc:
        strings = doc.vocab.strings
        listed = filter_spans(
            [
                Span(doc, s, _suffix_end(doc, e), label="ORG", kb_id=strings[m])
                for m, s, e in self.matcher(doc)
            ]
        )
        ents = list(doc.ents)
        for span in listed:
            overlapping = [e for e in ents if e.start < span.end and span.start < e.end]
            if any(e.ent_id_ for e in overlapping) or any(_longer_name(e, span) for e in overlapping):
                continue
            ents = [e for e in ents if e not in overlapping] + [span]
        doc.set_ents([self._identified(e) for e in ents])
        return doc

    def _identified(self, ent: Span) -> Span:
        """An ORG the model found by itself under a listed form (also a context-only one: "Apple" the model
        called an ORG is the company) joins that organisation."""
        if ent.label_ != "ORG" or ent.kb_id_ or ent.ent_id_:
            return ent
        name = lookup(self.index, ent.text)
        return Span(ent.doc, ent.start, ent.end, label="ORG", kb_id=name) if name else ent


def _suffix_end(doc: Doc, end: int) -> int:
    """Take in a legal-form suffix the list does not spell out: "Novo Nordisk A/S", "Eli Lilly & Co."."""
    if end + 1 < len(doc) and doc[end].text == "&" and doc[end + 1].text in ("Co", "Co."):
        end += 2
    if end + 2 < len(doc) and doc[end : end + 3].text == "A/S":  # tokenised "A", "/", "S"
        end += 3
    while end < len(doc) and doc[end].text in LEGAL_FORMS:
        end += 1
    return end


def _longer_name(ent: Span, inner: Span) -> bool:
    """`ent` is an organisation name of which `inner` is only a part, not `inner` with a "the" or "'s"."""
    if ent.label_ != "ORG" or not (ent.start <= inner.start and inner.end <= ent.end):
        return False
    extra = [t for t in ent if t.i < inner.start or t.i >= inner.end]
    return any(not t.is_punct and t.lower_ not in ("the", "'s", "’s") for t in extra)
