"""Words for the offline embedder: tokens, stop words, a light suffix stripper, hashed features.

Pure Python and deterministic. `features(text)` lists a text's weighted features:

- ``w:`` the stem of each content word (stop words dropped), weight 1;
- ``b:`` each pair of neighbouring content stems, weight 0.25 (word order, a little);
- ``c:`` the character 3-, 4- and 5-grams of each content word in ``<word>``, sharing a
  weight of 0.5 per word (inflections, compounds and typos still overlap).

Counts are made sublinear (``1 + ln tf``) so a repeated word does not drown the rest.
The stemmer is deliberately small (plurals, ``-ing``, ``-ed``, ``-ion``, a final ``-e``):
enough for ``calibration``/``calibrate``/``calibrated`` or ``supplies``/``supply`` to
meet, never a dictionary.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from functools import lru_cache

__all__ = ("STOP_WORDS", "features", "stem", "tokens")

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


def features(text: str) -> dict[str, float]:
    """The weighted features of `text` (see the module doc)."""
    raw = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]
    stems = [stem(w) for w in raw]
    counts: Counter[str] = Counter()
    weights: dict[str, float] = {}
    for s in stems:
        counts[f"w:{s}"] += 1
        weights[f"w:{s}"] = WORD
    for a, b in itertools.pairwise(stems):
        counts[f"b:{a} {b}"] += 1
        weights[f"b:{a} {b}"] = BIGRAM
    for w in raw:
        grams = _grams(w)
        share = CHARS / math.sqrt(len(grams))
        for g in grams:
            counts[f"c:{g}"] += 1
            weights[f"c:{g}"] = share
    return {f: weights[f] * (1.0 + math.log(n)) for f, n in counts.items()}
