"""What makes the rules cheap must not change what they find: the shared reads of a doc (doc_text.py),
the outlet trie, and the entity names the merges ask for again and again."""

import re
from collections import Counter

import spacy

from services.common.settings import Settings
from services.enrich.entities.doc_text import made_doc, span_text, text_of, words_of
from services.enrich.entities.extract import UNUSED_COMPONENTS, _Group, whole_words
from services.enrich.syndication.outlets import load_outlets
from tests.conftest import SEED_STORY


def test_text_and_words_are_the_docs_own_and_kept_per_doc():
    nlp = spacy.blank("en")
    first, second = nlp("Reuters said on Monday.\nMore."), nlp("Another story, entirely.")
    assert text_of(first) == first.text and words_of(first) == tuple(t.text for t in first)
    assert words_of(second) == tuple(t.text for t in second)
    assert words_of(first) is words_of(first)  # read once
    assert text_of(second) == second.text


def test_a_made_doc_keeps_its_text_and_span_texts_are_the_spans_own():
    nlp = spacy.load(Settings().ner_model, exclude=list(UNUSED_COMPONENTS))
    # Odd spacing, line breaks, tabs and non-ASCII: what a tokenizer that altered text would show.
    texts = [SEED_STORY.read_text(), "  Two  spaces,\ttabs\n\nand  Zoë Ó Briain  of  Dún Laoghaire. "]
    for text in texts:
        doc = made_doc(nlp, text)
        assert text_of(doc) is text and doc.text == text
        doc = nlp(doc)
        assert doc.ents
        spans = [*doc.ents, doc[1:4], doc[len(doc) - 3 :], doc[2:2]]
        assert [span_text(s) for s in spans] == [s.text for s in spans]


def test_outlet_pattern_matches_as_the_longest_first_alternation_would():
    outlets = load_outlets()
    forms = sorted({f for o in outlets.entries for f in o.surface_forms}, key=len, reverse=True)
    plain = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\w-])")
    # Every form alone, in a possessive, run into a longer word, and inside the real story.
    texts = [SEED_STORY.read_text(), " ".join(forms), ", ".join(f + "'s" for f in forms)]
    texts.append(" ".join(f + "x " + f + "-based" for f in forms))
    for text in texts:
        expected = [(m.span(), m.group()) for m in plain.finditer(text)]
        assert [(m.span(), m.group()) for m in outlets.pattern.finditer(text)] == expected
    # Forms that open longer forms ("AP" and "AP News"): the longer one is matched whole.
    nested = [long for short in forms for long in forms if long.startswith(short + " ")]
    assert nested
    for long in nested:
        assert outlets.pattern.search(f"told {long} on Monday").group() == long


def test_an_entity_is_renamed_when_a_merge_brings_a_fuller_or_more_used_form():
    group = _Group(forms=Counter({"Putin": 2}))
    assert group.name == "Putin"
    group.forms["Vladimir Putin"] += 1
    assert group.name == "Vladimir Putin"
    group.forms.update({"Vladimir V. Putin": 0})
    assert group.name == "Vladimir V. Putin"
    group.forms["Vladimir Putin"] += 5
    assert group.name == "Vladimir V. Putin"  # more words first, then the count
    other = _Group(forms=Counter({"Ms Smith": 1, "Jane Smith": 1}))
    assert other.name == "Ms Smith"
    other.forms["Jane Smith"] += 1
    assert other.name == "Jane Smith"


def test_whole_word_occurrences_are_what_the_alternation_finds():
    def by_regex(text, forms):
        pattern = r"(?<![\w-])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\w-])"
        return [(m.group(), m.span()) for m in re.finditer(pattern, text)]

    story = SEED_STORY.read_text()
    cases = [
        # Nested forms, possessives, hyphens and underscores either side, Unicode letters and digits.
        (["Vladimir Putin", "Putin", "Prigozhin", "Wagner Group", "Wagner"], story),
        (["Putin", "Vladimir Putin"][::-1], "Putin's; -Putin Putin- Putin_ _Putin Putinx Vladimir Putin."),
        (["Zoë Ó Briain", "Briain", "Dún Laoghaire"], "Zoë Ó Briain of Dún Laoghaire; Briainé, Briain²"),
        (["U.S.", "Ukraine", "Ukrainian"], "U.S. and Ukraine's Ukrainian-born U.S.-based Ukraines"),
        (["abc", "abcd", "bcd"], "abcd abc_ abcbcd bcd-abc abc"),
        # A form that opens with a sign (the regex's own path) keeps the same answer.
        (["$Corp", "Corp"], "$Corp and Corp"),
    ]
    for forms, text in cases:
        forms = sorted(forms, key=len, reverse=True)
        found = list(whole_words(text, forms))
        assert found == by_regex(text, forms)
    # Not after or before a hyphen or an underscore, nor inside a longer word; a possessive is the name.
    assert [f for f, _ in whole_words(cases[1][1], ["Vladimir Putin", "Putin"])] == [
        "Putin",
        "Vladimir Putin",
    ]
