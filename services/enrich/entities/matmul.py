"""Which BLAS the NER's dense layers multiply with: numpy's (OpenBLAS) by default, or thinc's BLIS.

spaCy's models run on thinc, whose CPU ops send every matrix product to the BLIS that cython-blis bundles.
BLIS picks its kernels from the CPU's family and model, and on CPUs newer than its table (AMD Zen 4 and 5,
the EPYC Genoa and Turin of many clouds) it falls back to its generic C kernels: `BLIS_ARCH_DEBUG=1` prints
"selecting sub-configuration 'generic'" (flame/blis#770, #912; cython-blis#54 was the same for Zen 3).
On such a machine (a 2-core EPYC, Zen 4) those kernels took 38% of an article's enrichment, numpy did the
model's products 3.5-5x faster, and enrichment took 0.75-0.9x the CPU, with the same entities (README,
Benchmarks). On a CPU BLIS knows it may do as well: `NEWSWIRE_NER_MATMUL=blis` is there to compare, and
benchmarks/enrichment_speed.py measures both. The parser's step-by-step products stay on BLIS: thinc
lets only Cython code swap those.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from spacy.language import Language
from thinc.api import NumpyOps

MATMULS = ("numpy", "blis")


def use_matmul(nlp: Language, matmul: str = "numpy") -> Language:
    """Points every thinc layer of the pipeline at the chosen BLAS; returns the pipeline."""
    if matmul not in MATMULS:
        raise ValueError(f"matmul must be one of {', '.join(MATMULS)}, not {matmul!r}")
    ops = NumpyOps(use_blis=matmul == "blis")
    # Layers keep the ops they were built with, so each is set; one of the parser's is built apart.
    for node in _layers(nlp):
        node.ops = ops
    return nlp


def matmul_of(nlp: Language) -> set[str]:
    """The BLAS each thinc layer of the pipeline uses (one name when use_matmul ran)."""
    return {"blis" if getattr(node.ops, "use_blis", False) else "numpy" for node in _layers(nlp)}


def _layers(nlp: Language) -> Iterator[Any]:
    for _, component in nlp.pipeline:
        model: Any = getattr(component, "model", None)
        if hasattr(model, "walk"):
            yield from model.walk()


def blis_kernels() -> str:
    """The kernels BLIS chose for this CPU ("generic" where it does not know it), or "unknown"."""
    try:
        import ctypes

        import blis.py

        lib = ctypes.CDLL(blis.py.__file__)
        lib.bli_arch_string.restype = ctypes.c_char_p
        return lib.bli_arch_string(lib.bli_arch_query_id()).decode()
    except (ImportError, OSError, AttributeError):
        return "unknown"
