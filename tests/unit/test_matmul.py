"""The NER's dense layers on numpy's BLAS or on thinc's BLIS: every layer switched, the same entities."""

import pytest
import spacy

from services.common.settings import Settings
from services.enrich.entities.extract import UNUSED_COMPONENTS
from services.enrich.entities.matmul import matmul_of, use_matmul
from services.enrich.pipeline import build_enricher
from tests.conftest import SEED_STORY

# Written here: names of every kind, in the shapes wire copy has them.
STORY = (
    "MOSCOW (Reuters) - Yevgeny Prigozhin said on Saturday his fighters had entered Rostov-on-Don, "
    "while the Kremlin told the Interfax news agency that Vladimir Putin was being kept informed. "
    "The European Union and NATO said they were watching closely. Reporting by Anna Berg."
)


@pytest.fixture(scope="module")
def model_name():
    return Settings.from_env({}).ner_model


def _load(name: str):
    return spacy.load(name, exclude=list(UNUSED_COMPONENTS))


def test_every_layer_follows_the_choice(model_name):
    nlp = _load(model_name)
    assert matmul_of(nlp) == {"blis"}  # as spacy.load leaves it: thinc's default
    assert matmul_of(use_matmul(nlp, "numpy")) == {"numpy"}
    assert matmul_of(use_matmul(nlp, "blis")) == {"blis"}


def test_an_unknown_choice_is_refused_by_name(model_name):
    with pytest.raises(ValueError, match="numpy, blis"):
        use_matmul(_load(model_name), "mkl")


def test_both_give_the_same_entities(model_name):
    texts = [STORY] + ([SEED_STORY.read_text()] if SEED_STORY.exists() else [])
    numpy_nlp, blis_nlp = use_matmul(_load(model_name), "numpy"), use_matmul(_load(model_name), "blis")
    for text in texts:
        with_numpy = [(e.start_char, e.end_char, e.label_) for e in numpy_nlp(text).ents]
        with_blis = [(e.start_char, e.end_char, e.label_) for e in blis_nlp(text).ents]
        assert with_numpy and with_numpy == with_blis


def test_the_enricher_loads_every_language_on_numpy_by_default(model_name):
    enricher = build_enricher(model_name, ner_models=Settings.from_env({}).ner_models)
    assert matmul_of(enricher.nlp) == {"numpy"}
    assert enricher.others, "the default settings load a second language"
    assert all(matmul_of(model.nlp) == {"numpy"} for model in enricher.others.values())
