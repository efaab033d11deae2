"""Words for offline retrieval: tokens, stop words, a light stemmer, features, an exact scorer.

Pure Python and deterministic. `features(text)` lists a text's weighted features:

- ``w:`` the stem of each content word (stop words dropped), weight 1;
- ``b:`` each pair of neighbouring content stems, weight 0.25 (word order, a little);
- ``c:`` the character 3-, 4- and 5-grams of each content word in ``<word>``, sharing a
  weight of 0.5 per word (inflections, compounds and typos still overlap).

Counts are made sublinear (``1 + ln tf``) so a repeated word does not drown the rest.
The stemmer is deliberately small (plurals, ``-ing``, ``-ed``, ``-ion``, a final ``-e``):
enough for ``calibration``/``calibrate``/``calibrated`` or ``supplies``/``supply`` to
meet, never a dictionary.

The ``hash`` embedder (`fsmnb.llm.embeddings.HashEmbedder`) hashes these features into a
dense vector; `LexicalScorer` compares them **exactly** (sparse dictionaries, no hashing, so
no collision noise: texts that share no feature score exactly 0), weighted by IDF over a
corpus (the workflow registry's own texts). The registry and the offline demo model rank
with `LexicalScorer` when the embedder is the default ``hash`` one.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

__all__ = ("STOP_WORDS", "LexicalScorer", "features", "stem", "tokens")

STOP_WORDS = frozenset(
    """a about above after again all also am an and any are as at be been before being below
    between both but by can could did do does doing done down during each else every few for
    from further get gets got had has have having he her here hers him his how i if in into is
    it its itself just me more most my no nor not now of off on once only or other our ours out
    over own please same she should so some such than that the their theirs them then there
    these they this those through to too under until up us very was we were what when where
    which while who whom why will with would you your yours""".split()  # noqa: SIM905 (a word list reads best as text)
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_VOWEL = re.compile(r"[aeiouy]")
WORD, BIGRAM, CHARS = 1.0, 0.25, 0.5  # the weight of each kind of feature (see the module doc)


def tokens(text: str) -> list[str]:
    """The content words of `text`, lower-case and stemmed, in order (stop words dropped)."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """`word` without its inflection: ``supplies`` → ``supply``, ``checking`` → ``check``."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "ion"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and _VOWEL.search(base):
            if suffix == "ion" and not base.endswith(("s", "t")):
                continue
            if suffix != "ion" and base[-1] == base[-2] and base[-1] not in "lsz":  # running → run
                base = base[:-1]
            word = base
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


@lru_cache(maxsize=65536)
def _grams(word: str) -> tuple[str, ...]:
    padded = f"<{word}>"
    return tuple(padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)) or (
        padded,
    )


def features(
    text: str, *, word: float = WORD, bigram: float = BIGRAM, chars: float = CHARS
) -> dict[str, float]:
    """The weighted features of `text` (see the module doc; the weights per kind can change)."""
    raw = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]
    stems = [stem(w) for w in raw]
    counts: Counter[str] = Counter()
    weights: dict[str, float] = {}
    for s in stems:
        counts[f"w:{s}"] += 1
        weights[f"w:{s}"] = word
    for a, b in itertools.pairwise(stems):
        counts[f"b:{a} {b}"] += 1
        weights[f"b:{a} {b}"] = bigram
    for w in raw:
        grams = _grams(w)
        share = chars / math.sqrt(len(grams))
        for g in grams:
            counts[f"c:{g}"] += 1
            weights[f"c:{g}"] = share
    return {f: weights[f] * (1.0 + math.log(n)) for f, n in counts.items()}


#: The weight of each kind of feature in `LexicalScorer` (word, bigram, character n-grams),
#: chosen on the tuning half of ``bench/agents_bench.py`` (character n-grams weighing 0.75
#: to 2 all scored the same there; 1 is the middle).
EXACT_WEIGHTS: tuple[float, float, float] = (WORD, BIGRAM, 1.0)


class LexicalScorer:
    """Exact TF-IDF cosine similarity over `features`: sparse vectors, no hashing.

    Each feature of a text weighs its `features` weight (sublinear count) times its IDF,
    ``ln((1 + N) / (1 + df)) + 1`` over the `documents` (N of them, df holding the
    feature); a feature no document holds weighs ``ln(1 + N) + 1``. Vectors are
    L2-normalized, so `similarity` is in [0, 1] and exactly 0 for texts sharing no feature.

        scorer = LexicalScorer(["check the pump", "check the valve"])
        scorer.similarity("pump check", "check the pump")      # 1.0
        scorer.similarity("pump", "refund an order")            # 0.0

    Args:
        documents: the corpus the IDF is computed on (none: every feature weighs 1).
        weights: the weight of word, bigram and character n-gram features.
    """

    def __init__(
        self,
        documents: Iterable[str] = (),
        *,
        weights: tuple[float, float, float] | None = None,
    ) -> None:
        self.weights = weights or EXACT_WEIGHTS
        df: Counter[str] = Counter()
        n = 0
        for doc in documents:
            df.update(self.features(doc).keys())
            n += 1
        self.documents = n
        self.idf = {f: math.log((1 + n) / (1 + k)) + 1.0 for f, k in df.items()}
        self.default_idf = math.log(1 + n) + 1.0
        self._cache: dict[str, dict[str, float]] = {}

    def __repr__(self) -> str:
        return f"<LexicalScorer idf over {self.documents} documents, {len(self.idf)} features>"

    def features(self, text: str) -> dict[str, float]:
        """The text's features with this scorer's weights, before IDF."""
        word, bigram, chars = self.weights
        return features(text, word=word, bigram=bigram, chars=chars)

    def vector(self, text: str) -> dict[str, float]:
        """The sparse, L2-normalized TF-IDF vector of `text` (cached)."""
        found = self._cache.get(text)
        if found is None:
            idf, default = self.idf, self.default_idf
            raw = {f: w * idf.get(f, default) for f, w in self.features(text).items()}
            norm = math.sqrt(sum(v * v for v in raw.values()))
            found = {f: v / norm for f, v in raw.items()} if norm else {}
            if len(self._cache) < 65536:
                self._cache[text] = found
        return found

    def similarity(self, a: str | Mapping[str, float], b: str | Mapping[str, float]) -> float:
        """The cosine similarity of two texts (or of their `vector`s)."""
        va = self.vector(a) if isinstance(a, str) else a
        vb = self.vector(b) if isinstance(b, str) else b
        return dot(va, vb)


def dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """The dot product of two sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[f] for f, v in a.items() if f in b)
