"""Syndication in French, Spanish and German house styles; wire datelines in every language."""

import pytest

from services.enrich.syndication.outlets import load_outlets
from services.enrich.syndication.tagger import find_syndication

AFP = "Agence France-Presse"


@pytest.fixture(scope="module")
def outlets():
    return load_outlets(None)


@pytest.mark.parametrize(
    ("body", "origin"),
    [
        ("PARIS (AFP) - Le gouvernement a présenté mardi son budget.", AFP),
        ("MADRID (EFE).- El Gobierno presentó el martes sus presupuestos.", "EFE"),
        ("BERLIN (dpa) - Die Regierung hat am Dienstag den Haushalt vorgestellt.", "dpa"),
        ("Le gouvernement a présenté mardi son budget.\n© AFP", AFP),
        ("Le gouvernement a présenté mardi son budget.\n© AFP 2026", AFP),
    ],
)
def test_datelines_and_copyright_lines_give_the_origin_in_every_language(outlets, body, origin):
    assert find_syndication(body, outlets).origin == origin


@pytest.mark.parametrize(
    ("closing", "contributors"),
    [
        ("avec AFP", [AFP]),
        ("Avec AFP.", [AFP]),
        ("Avec AFP et Reuters", [AFP, "Reuters"]),
        ("Con EFE", ["EFE"]),
        ("With AFP and Reuters", [AFP, "Reuters"]),
    ],
)
def test_a_closing_with_line_credits_its_outlets(outlets, closing, contributors):
    found = find_syndication(f"Le texte sera examiné en juin par les députés.\n{closing}", outlets)
    assert list(found.contributors) == contributors
    assert found.origin is None


def test_avec_inside_a_sentence_is_no_credit(outlets):
    body = "Le Monde a signé un partenariat avec AFP pour ses vidéos.\nLe texte sera examiné en juin."
    assert find_syndication(body, outlets).contributors == ()


@pytest.mark.parametrize(
    ("body", "cited"),
    [
        ("Le bilan s'alourdit, selon l'agence Reuters.", ["Reuters"]),
        ("Le bilan s'alourdit, selon l'AFP.", [AFP]),
        ("Le bilan est de douze morts, a indiqué l'agence Reuters.", ["Reuters"]),
        ("Douze morts, a rapporté l'agence officielle Xinhua.", ["Xinhua"]),
        ("Reuters a rapporté jeudi que le contrat était signé.", ["Reuters"]),
        ("El bilance aumenta, según la agencia Reuters.", ["Reuters"]),
        ("El Gobierno aprobó el plan, informó la agencia EFE.", ["EFE"]),
        ("Die Regierung hat den Plan beschlossen, berichtete die Nachrichtenagentur Reuters.", ["Reuters"]),
        ("Laut AFP ist der Plan neu.", [AFP]),
        ("Der Plan ist neu, wie Reuters berichtete.", ["Reuters"]),
    ],
)
def test_citations_in_french_spanish_and_german(outlets, body, cited):
    assert list(find_syndication(body, outlets).attributions) == cited


@pytest.mark.parametrize(
    "body",
    [
        "Selon le ministère, le bilan s'alourdit. Reuters emploie 2.500 journalistes.",
        "L'agence Reuters emploie 2.500 journalistes dans le monde.",
        "El Gobierno y la agencia EFE firmaron un convenio.",
        "Die Nachrichtenagentur Reuters hat ein neues Büro in Berlin.",
    ],
)
def test_an_outlet_named_without_a_cue_is_no_citation(outlets, body):
    assert find_syndication(body, outlets).attributions == ()
