"""The CoNLL-2003 reader and the mention scorer, on small invented snippets."""

from __future__ import annotations

from services.evaluation.conll_eval import (
    error_families,
    newswire_mentions,
    parse_conll,
    score_lenient,
    score_strict,
)

SNIPPET = """-DOCSTART- -X- -X- O

FOOTBALL NN I-NP O
- : O O
NORTHVALE NNP I-NP I-ORG
WIN VB I-VP O
. . O O

RIVERTON NNP I-NP I-LOC
2031-05-04 CD I-NP O

Anna NNP I-NP I-PER
Berg NNP I-NP I-PER
scored NN I-NP O
for IN I-PP O
Northvale NNP I-NP I-ORG
, , O O
Lakeside NNP I-NP I-ORG
Rovers NNP I-NP B-ORG
lost VBD I-VP O
. . O O

-DOCSTART- -X- -X- O

Second NN I-NP O
story NN I-NP O

Tomas NNP I-NP B-PER
Ek NNP I-NP I-PER
Olle NNP I-NP B-PER
Lund NNP I-NP I-PER
met VBD O O
"""


def test_stories_headline_body_and_gold_offsets():
    first, second = parse_conll(SNIPPET)
    assert first.headline == "FOOTBALL - NORTHVALE WIN."
    assert first.body.split("\n") == [
        "RIVERTON 2031-05-04",
        "Anna Berg scored for Northvale, Lakeside Rovers lost.",
    ]
    got = [(first.text[s:e], t) for s, e, t in first.gold]
    # IOB1: "B-ORG" after "I-ORG" starts a second mention of the same type
    assert got == [
        ("NORTHVALE", "ORG"),
        ("RIVERTON", "LOC"),
        ("Anna Berg", "PER"),
        ("Northvale", "ORG"),
        ("Lakeside", "ORG"),
        ("Rovers", "ORG"),
    ]
    assert [(second.text[s:e], t) for s, e, t in second.gold] == [("Tomas Ek", "PER"), ("Olle Lund", "PER")]


def test_a_file_without_docstart_is_one_story():
    (story,) = parse_conll("Big NN O\nnews NN O\n\nPaul NNP B-PER\nsaid VBD O\n")
    assert story.headline == "Big news"
    assert [(story.text[s:e], t) for s, e, t in story.gold] == [("Paul", "PER")]


def test_strict_wants_span_and_type_lenient_overlap_and_type():
    gold = [(0, 9, "PER"), (20, 28, "ORG"), (40, 45, "LOC")]
    predicted = [(0, 9, "PER"), (20, 24, "ORG"), (40, 45, "ORG"), (50, 55, "MISC")]
    strict = score_strict(gold, predicted)
    assert (strict["PER"].tp, strict["ORG"].tp, strict["ORG"].fp, strict["ORG"].fn) == (1, 0, 2, 1)
    assert (strict["LOC"].fn, strict["MISC"].fp) == (1, 1)
    lenient = score_lenient(gold, predicted)
    assert (lenient["ORG"].tp, lenient["ORG"].fp, lenient["ORG"].fn) == (1, 1, 0)
    assert (lenient["LOC"].fn, lenient["PER"].tp) == (1, 1)


def test_lenient_pairs_each_mention_once():
    gold = [(0, 10, "ORG")]
    lenient = score_lenient(gold, [(0, 4, "ORG"), (5, 10, "ORG")])
    assert (lenient["ORG"].tp, lenient["ORG"].fp) == (1, 1)


def test_newswire_mentions_map_types_and_offsets():
    record = {
        "entities": [
            {"type": "GPE", "spans": [[0, 4]], "headline_spans": [[2, 6]]},
            {"type": "NORP", "spans": [[10, 15]], "headline_spans": []},
            {"type": "DATE", "spans": [[20, 24]], "headline_spans": []},
        ]
    }
    assert sorted(newswire_mentions(record, body_offset=100)) == [
        (2, 6, "LOC"),
        (100, 104, "LOC"),
        (110, 115, "MISC"),
    ]


def test_error_families_count_only_what_raw_spacy_got_right():
    text = "Calgary 3 Toronto 2\nLee Mann said"
    gold = [(0, 7, "ORG"), (10, 17, "ORG"), (20, 28, "PER")]
    raw = [(0, 7, "ORG"), (20, 28, "PER")]
    ours = [(0, 7, "LOC"), (10, 17, "LOC")]  # raw was wrong on Toronto too: not newswire's own error
    families = error_families(text, gold, raw, ours)
    assert ("ORG as LOC (table line)", "Calgary") in families
    assert ("dropped PER (prose)", "Lee Mann") in families
    assert ("ORG as LOC (table line)", "Toronto") in families  # raw missed it; newswire typed it wrong
    assert not error_families(text, gold, raw, raw)
