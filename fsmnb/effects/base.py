"""The base of every effect: an immutable value that describes work without doing it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = ("Effect", "is_effect")


@dataclass(frozen=True, slots=True, kw_only=True)
class Effect:
    """An immutable description of work; `fsmnb.engine.interpret` carries it out.

    Subclasses are frozen, slotted, keyword-only dataclasses named for what they
    ask (`Call`, `Delay`, `Emit`). Each has a lower-case constructor for people
    (`call(...)`, `delay(...)`) and a `kind` used by its JSON form.

    Class attributes:
        kind: the effect's name in JSON and in error paths (``"retry"``).
        is_leaf: whether it does work itself (True) or composes other effects.
        is_inline: whether its handler never awaits, so the engine may run it
            without the event loop (data effects, `log`, `emit`).
    """

    kind: ClassVar[str] = "effect"
    is_leaf: ClassVar[bool] = True
    is_inline: ClassVar[bool] = False

    def children(self) -> tuple[Effect, ...]:
        """The effects this one composes (empty for a leaf)."""
        return ()

    def label(self) -> str:
        """A short label for paths, telemetry and diagrams, e.g. ``call(charge_card)``."""
        return self.kind

    def __or__(self, other: Any) -> Effect:
        """`a | b` is `sequence(a, b)`; sequences flatten."""
        from fsmnb.effects.combinators import Sequence

        if not isinstance(other, Effect):
            return NotImplemented
        left = self.effects if isinstance(self, Sequence) else (self,)
        right = other.effects if isinstance(other, Sequence) else (other,)
        return Sequence(effects=(*left, *right))


def is_effect(value: object) -> bool:
    """Whether `value` is an effect."""
    return isinstance(value, Effect)
