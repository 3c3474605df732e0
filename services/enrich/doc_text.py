"""A doc's text and its tokens' texts, read once per doc and shared by the rule components.

spaCy rebuilds `Doc.text` from the tokens on every access and makes a `Token` object for every `doc[i]`.
The rules scan every token of a story several times, and those reads were a large part of their cost
(benchmarks/enrichment_speed.py). Neither changes once the doc is made: the components change only its
entities.
"""

from __future__ import annotations

from spacy.tokens import Doc

_TEXT = "newswire.text"
_WORDS = "newswire.words"


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
