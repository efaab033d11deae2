"""Word overlap between texts: the offline demo model's (and a fallback's) sense of relevance."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ("best_matches", "overlap", "words")

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "should",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> set[str]:
    """The content words of `text`: lower-case, no stop words, a plural ``s`` dropped."""
    found = set()
    for word in _WORD.findall(text.lower().replace("_", " ")):
        if word in _STOP:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.add(word)
    return found


def overlap(query: str | set[str], text: str | set[str]) -> float:
    """Share of the query's content words that `text` contains (0 to 1)."""
    q = words(query) if isinstance(query, str) else query
    t = words(text) if isinstance(text, str) else text
    return len(q & t) / len(q) if q else 0.0


def best_matches(query: str, candidates: Iterable[tuple[str, str]]) -> list[tuple[str, float]]:
    """Candidates ``(name, text)`` with a positive overlap, best first (ties by name)."""
    q = words(query)
    scored = [(name, overlap(q, text)) for name, text in candidates]
    return sorted((s for s in scored if s[1] > 0), key=lambda s: (-s[1], s[0]))
