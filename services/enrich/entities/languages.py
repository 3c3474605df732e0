"""The language of an article: the one it declares, else the one a detector finds in its text.

Detection uses lingua (offline, good on short text) restricted to the languages wire copy comes in most,
which keeps it fast and its memory small: a language outside the set is reported as the nearest one in it,
with a low confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lingua import Language, LanguageDetectorBuilder

DETECTED = (
    Language.ENGLISH,
    Language.FRENCH,
    Language.GERMAN,
    Language.SPANISH,
    Language.ITALIAN,
    Language.PORTUGUESE,
    Language.DUTCH,
)
# Below this the detector is guessing: seen on short copy made mostly of names ("Prime Minister Keir
# Starmer met Emmanuel Macron in Paris." comes out Spanish at 0.68); a paragraph of real prose scores
# 0.998 or more (every article of the team corpora).
MIN_CONFIDENCE = 0.9
# The headline and the story's opening are enough to tell the language; reading more only costs time.
SAMPLE_CHARS = 600
SAMPLE_WORDS = 80
MIN_SAMPLE_WORDS = 8
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_DECLARED = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")


@dataclass(frozen=True)
class Detected:
    language: str | None
    """ISO 639-1 code, None when no language reaches MIN_CONFIDENCE (or the text has no letters)."""
    confidence: float

    def to_record(self) -> dict:
        return {"language": self.language, "confidence": self.confidence}


def declared_language(value: object) -> str | None:
    """ "fr", "fr-FR", "FR_ca" -> "fr"; anything that is not a language tag -> None (then detected)."""
    if not isinstance(value, str):
        return None
    match = _DECLARED.match(value.strip())
    return match.group(1).lower() if match else None


@lru_cache(maxsize=1)
def _detector():
    # Low-accuracy mode reads trigrams only: ~25 MiB instead of ~200 MiB for the seven languages, and
    # as right as the full mode on a headline plus a paragraph (benchmarks/language_memory.py, the
    # --languages set); it is only weaker on a few words, which an article is not.
    builder = LanguageDetectorBuilder.from_languages(*DETECTED).with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()


def detect_language(headline: str | None, body: str) -> Detected:
    """The most likely language of the headline and the story's opening, with lingua's confidence; no
    language when that confidence is below MIN_CONFIDENCE."""
    values = _detector().compute_language_confidence_values(language_sample(headline, body))
    if not values or values[0].value <= 0:
        return Detected(None, 0.0)
    best = values[0]
    confidence = round(best.value, 3)
    if confidence < MIN_CONFIDENCE:
        return Detected(None, confidence)
    return Detected(best.language.iso_code_639_1.name.lower(), confidence)


def language_sample(headline: str | None, body: str) -> str:
    """The text the language is told from: the ordinary words of the opening, not its names.

    Names are the same in every language and say where a story happened, not what language it is in: a
    results table of Dutch riders from an English wire came out Dutch at confidence 1.0 when read whole.
    Lower-case words (articles, verbs, prepositions) carry the language; when the opening has too few of
    them to go on, the whole opening is read.
    """
    opening = f"{headline or ''}\n{body[: SAMPLE_CHARS * 3]}"
    words = [w for w in _WORD.findall(opening) if w[0].islower()][:SAMPLE_WORDS]
    if len(words) >= MIN_SAMPLE_WORDS:
        return " ".join(words)
    return f"{headline or ''}\n{body[:SAMPLE_CHARS]}"


def warm_up() -> None:
    """Load the detector's models now (once per process), not on the first article."""
    detect_language(None, "warm-up")
