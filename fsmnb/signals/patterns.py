"""A trie of dotted patterns: exact segments, ``*`` (one segment) and ``**`` (any segments).

Matching walks only the branches a type's segments select (the exact child,
the ``*`` child, and the ``**`` child at each depth), so the cost grows with
the type's length and the number of wildcards on its path, not with the
number of patterns. `PatternTrie.match` caches its answer per type; the
cache is bounded (hostile publishers may invent any number of types) and
cleared whenever a pattern is added or removed.
"""

from __future__ import annotations

import re
from typing import Generic, TypeVar

from fsmnb.errors import DefinitionError

__all__ = ("PatternTrie", "check_pattern")

T = TypeVar("T")

_SEGMENT = re.compile(r"^[A-Za-z0-9_\-]+$")
_CACHE_LIMIT = 10_000


def check_pattern(pattern: str) -> list[str]:
    """The segments of `pattern`.

    Raises:
        DefinitionError: an empty segment or one that is neither a name, ``*`` nor ``**``.
    """
    segments = pattern.split(".") if isinstance(pattern, str) else []
    bad = [s for s in segments if s not in ("*", "**") and not _SEGMENT.match(s)]
    if not segments or bad or "" in segments:
        shown = ", ".join(f"`{s}`" for s in bad) or "an empty segment"
        raise DefinitionError(
            f"Route pattern `{pattern}` has {shown}. A pattern is dotted segments, each a name "
            "(letters, digits, `_`, `-`), `*` (exactly one segment) or `**` (any number), "
            "e.g. `system.health.*` or `**.metrics`."
        )
    return segments


class _Node(Generic[T]):
    __slots__ = ("children", "globstar", "items", "star")

    def __init__(self) -> None:
        self.children: dict[str, _Node[T]] = {}
        self.star: _Node[T] | None = None
        self.globstar: _Node[T] | None = None
        self.items: list[T] = []

    def child(self, segment: str) -> _Node[T]:
        if segment == "*":
            if self.star is None:
                self.star = _Node()
            return self.star
        if segment == "**":
            if self.globstar is None:
                self.globstar = _Node()
            return self.globstar
        node = self.children.get(segment)
        if node is None:
            node = self.children[segment] = _Node()
        return node

    def is_empty(self) -> bool:
        return not (self.items or self.children or self.star or self.globstar)


class PatternTrie(Generic[T]):
    """Items stored under dotted patterns; `match(type)` gives those whose pattern matches."""

    def __init__(self) -> None:
        self._root: _Node[T] = _Node()
        self._cache: dict[str, list[T]] = {}
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, pattern: str, item: T) -> None:
        """Store `item` under `pattern`."""
        node = self._root
        for segment in check_pattern(pattern):
            node = node.child(segment)
        node.items.append(item)
        self._size += 1
        self._cache.clear()

    def remove(self, pattern: str, item: T) -> bool:
        """Forget `item` under `pattern` (pruning empty branches); whether it was there."""
        path: list[tuple[_Node[T], str]] = []
        node = self._root
        for segment in check_pattern(pattern):
            path.append((node, segment))
            nxt = (
                node.star
                if segment == "*"
                else node.globstar
                if segment == "**"
                else node.children.get(segment)
            )
            if nxt is None:
                return False
            node = nxt
        if item not in node.items:
            return False
        node.items.remove(item)
        self._size -= 1
        self._cache.clear()
        for parent, segment in reversed(path):
            child = parent.child(segment)
            if not child.is_empty():
                break
            if segment == "*":
                parent.star = None
            elif segment == "**":
                parent.globstar = None
            else:
                del parent.children[segment]
        return True

    def match(self, type_: str) -> list[T]:
        """The items whose pattern matches `type_`, each once, in insertion order of patterns."""
        found = self._cache.get(type_)
        if found is not None:
            return found
        segments = type_.split(".")
        out: list[T] = []
        seen: set[int] = set()
        self._walk(self._root, segments, 0, out, seen)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[type_] = out
        return out

    def _walk(
        self, node: _Node[T], segments: list[str], i: int, out: list[T], seen: set[int]
    ) -> None:
        if node.globstar is not None:
            # `**` consumes zero or more segments: try every remaining suffix.
            for j in range(i, len(segments) + 1):
                self._walk(node.globstar, segments, j, out, seen)
        if i == len(segments):
            for item in node.items:
                if id(item) not in seen:
                    seen.add(id(item))
                    out.append(item)
            return
        child = node.children.get(segments[i])
        if child is not None:
            self._walk(child, segments, i + 1, out, seen)
        if node.star is not None:
            self._walk(node.star, segments, i + 1, out, seen)
