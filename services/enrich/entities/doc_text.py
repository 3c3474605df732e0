"""A doc's text and its tokens' texts, read once per doc and shared by the rule components.

spaCy rebuilds `Doc.text` from the tokens on every access and makes a `Token` object for every `doc[i]`.
The rules scan every token of a story several times, and those reads were a large part of their cost
(benchmarks/enrichment_speed.py). Neither changes once the doc is made: the components change only its
entities.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

_TEXT = "newswire.text"
_WORDS = "newswire.words"


def made_doc(nlp: Language, text: str) -> Doc:
    """`nlp.make_doc(text)`, keeping `text` as the doc's text: spaCy's tokenizer never alters the text it
    splits (`doc.text == text`), so the rules need not rebuild it from ~1,000 tokens."""
    doc = nlp.make_doc(text)
    doc.user_data[_TEXT] = text
    return doc


def text_of(doc: Doc) -> str:
    text = doc.user_data.get(_TEXT)
    if text is None:
        text = doc.user_data[_TEXT] = doc.text
    return text


def words_of(doc: Doc) -> tuple[str, ...]:
    """Each token's text, by token index: `words_of(doc)[i] == doc[i].text`."""
    words = doc.user_data.get(_WORDS)
    if words is None:
        words = doc.user_data[_WORDS] = tuple([t.text for t in doc])
    return words


def span_text(span: Span) -> str:
    """`span.text`, sliced from the doc's text rather than joined from its tokens."""
    return text_of(span.doc)[span.start_char : span.end_char]
