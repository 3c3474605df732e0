"""Enrichment of raw article records: syndication first, then the article's language, then NER with that
language's model on the headline and the story without its credit lines.

Pure apart from the spaCy models, which are loaded once in `build_enricher` and passed in. English copy
goes through the English pipeline with its English-only rules (entities.load_pipeline); other configured
languages through their own model with the language-neutral parts only (language_models); a language with
no model gets no entities, and says so, rather than the English model's guesses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from spacy.language import Language

from services.common.records import rfc3339, utc_now
from services.common.settings import parse_ner_models
from services.enrich.copies.rule import Fingerprint, fingerprint, story_id
from services.enrich.entities.doc_text import made_doc
from services.enrich.entities.extract import entities_from_doc, load_pipeline, ner_text
from services.enrich.entities.language_models import load_language_pipeline
from services.enrich.entities.languages import declared_language, detect_language, warm_up
from services.enrich.syndication.outlets import OutletIndex, load_outlets
from services.enrich.syndication.tagger import find_syndication, mask_spans, syndication_tags

PIPELINE_VERSION = version("newswire")


@dataclass(frozen=True)
class NerModel:
    name: str
    nlp: Language


@dataclass(frozen=True)
class Enricher:
    nlp: Language
    """The English pipeline."""
    outlets: OutletIndex
    model_name: str
    batch_size: int = 8
    clock: Callable[[], datetime] = utc_now
    others: Mapping[str, NerModel] = field(default_factory=dict)
    """Models for languages other than English, by ISO 639-1 code."""
    default_language: str | None = "en"
    """Assumed when the copy declares no language and detection is not confident; None: no entities."""
    fingerprints: bool = False
    """Fingerprint each article for republication detection (copies/rule.py), inside the enrichment time."""

    @property
    def models(self) -> dict[str, NerModel]:
        return {"en": NerModel(self.model_name, self.nlp), **self.others}

    def enrich(self, raws: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Enrich a batch; raises on the first failure (the evaluation and benchmarks want that)."""
        results = self.enrich_each(raws)
        for result in results:
            if isinstance(result, Exception):
                raise result
        return results  # type: ignore[return-value]

    def enrich_each(self, raws: list[dict[str, Any]]) -> list[dict[str, Any] | Exception]:
        """Enrich a batch through one `nlp.pipe`; if the batch fails, retry article by article so one
        bad article costs only itself (it comes back as its exception, for the dead-letter topic)."""
        return [result for result, _ in self.enrich_fingerprinted(raws)]

    def enrich_fingerprinted(
        self, raws: list[dict[str, Any]]
    ) -> list[tuple[dict[str, Any] | Exception, Fingerprint | None]]:
        """`enrich_each`, each result with the article's fingerprint (None when not `fingerprints`, or
        the article is too short to compare)."""
        try:
            return list(self._enrich_batch(raws))
        except Exception:
            if len(raws) == 1:
                raise
        results: list[tuple[dict[str, Any] | Exception, Fingerprint | None]] = []
        for raw in raws:
            try:
                results.extend(self._enrich_batch([raw]))
            except Exception as exc:
                results.append((exc, None))
        return results

    def _enrich_batch(self, raws: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Fingerprint | None]]:
        started = time.perf_counter()
        found = [
            find_syndication(
                raw["body_text"],
                self.outlets,
                dateline=raw.get("dateline"),
                byline=raw.get("byline"),
                provider=raw.get("provider"),
            )
            for raw in raws
        ]
        # Blank the credit lines (same length) so sign-off names are not story entities and spans stay valid.
        texts = [
            ner_text(raw.get("headline"), mask_spans(raw["body_text"], s.credit_spans))
            for raw, s in zip(raws, found, strict=True)
        ]
        languages = [_language_of(raw, self.default_language) for raw in raws]
        models = self.models
        docs: list[Any] = [None] * len(raws)
        # One nlp.pipe per language in the batch, each article through its own language's model.
        for language, model in models.items():
            indexes = [i for i, (code, _) in enumerate(languages) if code == language]
            if indexes:
                made = (made_doc(model.nlp, texts[i][0]) for i in indexes)
                piped = model.nlp.pipe(made, batch_size=self.batch_size)
                for i, doc in zip(indexes, piped, strict=True):
                    docs[i] = doc
        enriched_at = rfc3339(self.clock())
        out = []
        for raw, syndication, doc, (_, body_offset), (language, detected) in zip(
            raws, found, docs, texts, languages, strict=True
        ):
            entities = entities_from_doc(doc, body_offset=body_offset) if doc is not None else []
            enrichment: dict[str, Any] = {
                "pipeline_version": PIPELINE_VERSION,
                # "none" rather than null: the field stays a string for subscribers that read it already.
                "ner_model": models[language].name if doc is not None else "none",
                "language_detected": detected,
                "entities_skipped": None if doc is not None else _skipped(language),
                "enriched_at": enriched_at,
                "processing_ms": 0.0,
            }
            out.append(
                {
                    **raw,
                    "language": language,
                    "entities": [e.to_record() for e in entities],
                    # copy_of/story: an original until the copy stage (check_copy) says otherwise.
                    "syndication": {**syndication.to_record(), "copy_of": None, "story": story_id(raw["id"])},
                    "tags": syndication_tags(syndication, self.outlets),
                    "enrichment": enrichment,
                }
            )
        prints = [
            fingerprint(raw.get("headline"), raw["body_text"], s.credit_spans) if self.fingerprints else None
            for raw, s in zip(raws, found, strict=True)
        ]
        per_article_ms = round((time.perf_counter() - started) * 1000 / max(1, len(raws)), 3)
        for record in out:
            record["enrichment"]["processing_ms"] = per_article_ms
        return list(zip(out, prints, strict=True))


def _language_of(raw: dict[str, Any], default: str | None) -> tuple[str | None, dict[str, Any] | None]:
    """(language, the detection record or None when the article declared its language)."""
    declared = declared_language(raw.get("language"))
    if declared:
        return declared, None
    detected = detect_language(raw.get("headline"), raw["body_text"])
    return detected.language or default, detected.to_record()


def _skipped(language: str | None) -> str:
    if language is None:
        return "language not detected"
    return f"no NER model for language {language}"


def build_enricher(
    model_name: str,
    outlets_file: Path | None = None,
    batch_size: int = 8,
    organisations_file: Path | None = None,
    ner_models: str = "",
    default_language: str = "en",
    fingerprints: bool = False,
    matmul: str = "numpy",
) -> Enricher:
    """Loads the outlet and organisation lists, the language detector and one spaCy model per configured
    language (`ner_models`, e.g. "fr:fr_core_news_sm"; English is `model_name` unless it names "en"),
    their dense layers on `matmul`'s BLAS (matmul.py): call once per worker process."""
    outlets = load_outlets(outlets_file)
    names = parse_ner_models(ner_models, model_name)
    nlp = load_pipeline(names["en"], outlets, organisations_file, matmul)
    others = {
        language: NerModel(name, load_language_pipeline(name, outlets, matmul))
        for language, name in names.items()
        if language != "en"
    }
    warm_up()
    return Enricher(
        nlp=nlp,
        outlets=outlets,
        model_name=names["en"],
        batch_size=batch_size,
        others=others,
        default_language=default_language or None,
        fingerprints=fingerprints,
    )
