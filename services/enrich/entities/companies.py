"""Organisation names no list can hold, recognised by their shape: a spaCy component after the
organisation list.

Companies and clubs by their legal form: "Havbris ASA", "PT Vale Indonesia Tbk", "Delta Marine Terminals
S.A.E.", "Malmö FF". And a name the model cut after "of" or "for" ("National Stock Exchange of" | "India")
runs on through the capitalised words after it.

The small model reads such names as people ("Havbris", "Hidroelectrica S.A."), places ("Vale Indonesia")
or misses them ("Hessler Antriebstechnik GmbH"). A run of capitalised words ending in a legal form is an
organisation; it gets its full name as kb_id, and so do later mentions of the name without its form
("Vale Indonesia" after "PT Vale Indonesia Tbk", "Delta Marine" after "Delta Marine Terminals S.A.E."),
so they group under one entity.

And names the copy itself calls an organisation, in an apposition: "World Weather Attribution, a research
group based at ...", "American Commercial Barge Line, one of the largest operators, ...", or with the
noun before the name: "housing charity Threshold", "the energy company LEAG".
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from services.enrich.entities.doc_text import text_of, words_of
from services.enrich.entities.people import AMBIGUOUS_TITLES, PERSON_TITLES, looks_like_person
from services.enrich.entities.places import gazetteer

COMPONENT = "legal_form_names"
# Legal forms (and club suffixes) that close a name in business and sports copy, as the tokenizer splits them.
LEGAL_FORMS = frozenset(
    ["Inc", "Inc.", "Corp", "Corp.", "Co", "Co.", "Ltd", "Ltd.", "Limited", "Plc", "plc", "PLC", "LLC",
     "LLP", "L.P.", "AG", "SE", "SA", "S.A.", "S.A.E.", "NV", "N.V.", "BV", "B.V.", "ASA", "AS", "AB",
     "Oy", "Oyj", "GmbH", "KGaA", "SpA", "SAS", "S.A.S.", "SRL", "S.R.L.", "S.L.", "Tbk", "Bhd", "Berhad",
     "Sdn", "Pty", "FC", "AFC", "CF", "FF"]
)  # fmt: skip
# Forms that open a name instead: "PT Vale Indonesia Tbk", "PJSC Gazprom Neft".
PREFIX_FORMS = frozenset(["PT", "PJSC", "JSC", "OAO", "PAO"])
MAX_NAME_WORDS = 6
# Capitalised words that open a sentence or a clause, not a company's name.
_NOT_NAME_WORDS = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "By",
        "For",
        "From",
        "Of",
        "And",
        "But",
        "Its",
        "Their",
        "His",
        "Her",
        "Our",
        "Shares",
    ]
)
_NUMERIC_LABELS = frozenset(["DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"])
# What an organisation is called right after its name. The head noun must end the phrase (a comma, or a
# word such as "based" after it): "a company director" and "a spokesman for the company" are people.
_ORGANISATION_NOUNS = (
    r"group|company|firm|charity|organi[sz]ation|agency|union|association|foundation|think tank|operator|bank|"
    r"lender|insurer|carrier|airline|retailer|maker|manufacturer|producer|broadcaster|start-?up|"
    r"non-?profit|coalition|alliance|cooperative|consortium|conglomerate|developer|miner|utility|institute|"
    r"regulator|watchdog|party|movement|federation|network|club|chain"
)
_APPOSITION = re.compile(
    r", (?:an?|the|one of the) (?:(?!(?:for|of|at|in|with|from|to|by|on|and|who|whose)\b)[\w'’-]+ ){0,3}?"
    rf"(?:{_ORGANISATION_NOUNS})s?"
    r"(?=[,.;:)]|\s(?:based|that|which|in|headquartered|founded|owned|run|with|whose|at|from|backed|funded|"
    r"listed|set up|known)\b)"
)
# The noun in lower case right before a capitalised name: "charity Threshold", "miner Rio Tinto".
_NOUN_THEN_NAME = re.compile(rf"(?<![\w-])(?:{_ORGANISATION_NOUNS})s? (?=[A-ZÀ-ÖØ-Þ])")
_NAME_JOINERS = frozenset(["of", "for", "and", "de", "&"])
# "the union Chairman", "the company Chief Executive": a role, not a name.
_ROLE_WORDS = frozenset(w for title in PERSON_TITLES + AMBIGUOUS_TITLES for w in title.split()) | frozenset(
    ["Chief", "Executive", "CEO", "Director", "Leader", "Head", "Spokesman", "Spokeswoman", "Spokesperson"]
)


@Language.component(COMPONENT)
def legal_form_names(doc: Doc) -> Doc:
    ents = list(doc.ents)
    for ent in list(ents):
        if ent.label_ == "ORG" and not ent.kb_id_ and ent[-1].lower_ in ("of", "for") and ent.end < len(doc):
            end = ent.end
            while end < len(doc) and end - ent.end < MAX_NAME_WORDS and _name_word(doc[end]):
                end += 1
            if end > ent.end:
                ents = _claim([e for e in ents if e != ent], Span(doc, ent.start, end, label="ORG"))
    text = text_of(doc)
    for span in _named_by_form(doc):
        ents = _claim(ents, span)
        for form in _short_forms(span):
            for mention in _mentions(doc, text, form, span):
                ents = _claim(ents, mention)
    for span in _named_by_apposition(doc, text) + _named_after_noun(doc, text):
        ents = _claim(ents, span)
    doc.set_ents(ents)
    return doc


def _named_by_form(doc: Doc) -> list[Span]:
    words = words_of(doc)
    spans = []
    i = 1
    while i < len(doc):
        if words[i] not in LEGAL_FORMS or not _name_word(doc[i - 1]):
            i += 1
            continue
        start = i
        while start > 0 and i - start < MAX_NAME_WORDS and _name_word(doc[start - 1]):
            start -= 1
        while doc[start].text in ("&", "-"):
            start += 1
        if start > 0 and doc[start - 1].text in PREFIX_FORMS:
            start -= 1
        end = i + 1
        while end < len(doc) and doc[end].text in LEGAL_FORMS:  # "Sdn Bhd"
            end += 1
        name = doc[start:end]
        spans.append(Span(doc, start, end, label="ORG", kb_id=name.text))
        i = end
    return spans


def _named_by_apposition(doc: Doc, text: str) -> list[Span]:
    """The capitalised run before ", a research group ...": joining words inside it ("Commission for
    Conciliation"), never at its ends."""
    _, major = gazetteer()
    spans = []
    for match in _APPOSITION.finditer(text):
        comma = doc.char_span(match.start(), match.start() + 1)
        if comma is None:
            continue
        start = end = comma.start
        while start > 0 and end - start < MAX_NAME_WORDS:
            before = doc[start - 1]
            if _name_word(before):
                start -= 1
            elif (
                before.text in _NAME_JOINERS and start - 1 > 0 and _name_word(doc[start - 2]) and start < end
            ):
                start -= 2
            else:
                break
        name = doc[start:end].text
        if name and name not in major:  # "Brazil, the world's largest producer" is a country
            spans.append(Span(doc, start, end, label="ORG", kb_id=name))
    return spans


def _named_after_noun(doc: Doc, text: str) -> list[Span]:
    """The capitalised run after "charity", "miner", "the energy company": not a person ("the company Elon
    Musk founded") nor a place."""
    places, major = gazetteer()
    spans = []
    for match in _NOUN_THEN_NAME.finditer(text):
        first = doc.char_span(match.end(), match.end() + 1, alignment_mode="expand")
        if first is None or not _name_word(first[0]) or first[0].text in _ROLE_WORDS:
            continue
        start = end = first.start
        while end < len(doc) and end - start < MAX_NAME_WORDS:
            if _name_word(doc[end]):
                end += 1
            elif doc[end].text in _NAME_JOINERS and end + 1 < len(doc) and _name_word(doc[end + 1]):
                end += 2
            else:
                break
        name = doc[start:end].text
        if name not in major and not looks_like_person(name.split(), places, major):
            spans.append(Span(doc, start, end, label="ORG", kb_id=name))
    return spans


def _name_word(token) -> bool:
    if token.text in ("&", "-"):
        return not token.whitespace_ or token.text == "&"
    text = token.text
    return (
        text[:1].isupper()
        and any(c.isalpha() for c in text)
        and text not in _NOT_NAME_WORDS
        and text not in LEGAL_FORMS
        and token.ent_type_ not in _NUMERIC_LABELS
    )


def _short_forms(span: Span) -> list[str]:
    """The name without its legal forms ("Vale Indonesia"), and its openings of two words or more
    ("Delta Marine" of "Delta Marine Terminals"), longest first: later mentions use them on their own."""
    words = [t for t in span if t.text not in LEGAL_FORMS and t.text not in PREFIX_FORMS]
    if not words:
        return []
    core = span.doc[words[0].i : words[-1].i + 1]
    return [core[:n].text for n in range(len(core), 1, -1)] or [core.text]


def _mentions(doc: Doc, text: str, core: str, full: Span) -> list[Span]:
    spans = []
    for match in re.finditer(rf"(?<![\w-]){re.escape(core)}(?![\w-])", text):
        span = doc.char_span(match.start(), match.end(), label="ORG", kb_id=full.kb_id)
        if span is not None and not (full.start <= span.start and span.end <= full.end):
            spans.append(span)
    return spans


def _claim(ents: list[Span], span: Span) -> list[Span]:
    """Put `span` in place of the entities it overlaps, unless one of them is a listed outlet or
    organisation, or a longer organisation name the model found around it."""
    overlapping = [e for e in ents if e.start < span.end and span.start < e.end]
    for ent in overlapping:
        if ent.ent_id_ or ent.kb_id_:
            return ents
        if ent.label_ == "ORG" and ent.start <= span.start and span.end <= ent.end and len(ent) > len(span):
            return ents
    return [e for e in ents if e not in overlapping] + [span]
