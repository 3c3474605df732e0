"""Enrichment of raw article records: syndication first, then NER on the headline and the story without
its credit lines.

Pure apart from the spaCy model, which is loaded once in `build_enricher` and passed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from spacy.language import Language

from services.common.records import rfc3339, utc_now
from services.enrich.entities import entities_from_doc, load_pipeline, ner_text
from services.enrich.outlets import OutletIndex, load_outlets
from services.enrich.syndication import find_syndication, mask_spans, syndication_tags

PIPELINE_VERSION = version("newswire")


@dataclass(frozen=True)
class Enricher:
    nlp: Language
    outlets: OutletIndex
    model_name: str
    batch_size: int = 8
    clock: Callable[[], datetime] = utc_now

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
        try:
            return list(self._enrich_batch(raws))
        except Exception:
            if len(raws) == 1:
                raise
        results: list[dict[str, Any] | Exception] = []
        for raw in raws:
            try:
                results.extend(self._enrich_batch([raw]))
            except Exception as exc:
                results.append(exc)
        return results

    def _enrich_batch(self, raws: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
        docs = self.nlp.pipe((text for text, _ in texts), batch_size=self.batch_size)
        enriched_at = rfc3339(self.clock())
        out = []
        for raw, syndication, doc, (_, body_offset) in zip(raws, found, docs, texts, strict=True):
            entities = entities_from_doc(doc, body_offset=body_offset)
            out.append(
                {
                    **raw,
                    "entities": [e.to_record() for e in entities],
                    "syndication": syndication.to_record(),
                    "tags": syndication_tags(syndication, self.outlets),
                    "enrichment": {
                        "pipeline_version": PIPELINE_VERSION,
                        "ner_model": self.model_name,
                        "enriched_at": enriched_at,
                        "processing_ms": 0.0,
                    },
                }
            )
        per_article_ms = round((time.perf_counter() - started) * 1000 / max(1, len(raws)), 3)
        for record in out:
            record["enrichment"]["processing_ms"] = per_article_ms
        return out


def build_enricher(
    model_name: str,
    outlets_file: Path | None = None,
    batch_size: int = 8,
    organisations_file: Path | None = None,
) -> Enricher:
    """Loads the outlet and organisation lists and the spaCy model: call once per worker process."""
    outlets = load_outlets(outlets_file)
    nlp = load_pipeline(model_name, outlets, organisations_file)
    return Enricher(nlp=nlp, outlets=outlets, model_name=model_name, batch_size=batch_size)
