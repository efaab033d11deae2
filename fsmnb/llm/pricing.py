"""Prices per million tokens, and the cost of a call.

The table is a starting point, not a bill: providers change prices. Extend or
correct it with `set_price`::

    fsmnb.llm.set_price("openai:gpt-4o-mini", input=0.15, output=0.60)

A model is looked up by its full string, then by the longest table key that
is a prefix of it (``anthropic:claude-3-5-haiku`` prices
``anthropic:claude-3-5-haiku-latest``). Unknown models cost 0.0.
"""

from __future__ import annotations

from fsmnb.llm.types import Usage

__all__ = ("PRICES", "cost_for", "price_of", "set_price")

#: model string (or prefix of one) -> (USD per 1M input tokens, USD per 1M output tokens)
PRICES: dict[str, tuple[float, float]] = {
    "openai:gpt-4o-mini": (0.15, 0.60),
    "openai:gpt-4o": (2.50, 10.00),
    "openai:gpt-4.1-mini": (0.40, 1.60),
    "openai:gpt-4.1-nano": (0.10, 0.40),
    "openai:gpt-4.1": (2.00, 8.00),
    "openai:text-embedding-3-small": (0.02, 0.0),
    "openai:text-embedding-3-large": (0.13, 0.0),
    "anthropic:claude-3-5-haiku": (0.80, 4.00),
    "anthropic:claude-3-5-sonnet": (3.00, 15.00),
    "anthropic:claude-3-7-sonnet": (3.00, 15.00),
    "anthropic:claude-sonnet-4": (3.00, 15.00),
    "anthropic:claude-opus-4": (15.00, 75.00),
    "demo": (0.0, 0.0),
    "scripted": (0.0, 0.0),
    "local": (0.0, 0.0),
}


def set_price(model: str, *, input: float, output: float) -> None:
    """Set the price of `model` (or of every model its string prefixes), USD per 1M tokens."""
    PRICES[model] = (float(input), float(output))


def price_of(model: str) -> tuple[float, float]:
    """The (input, output) price per 1M tokens of `model`; (0, 0) when unknown."""
    exact = PRICES.get(model)
    if exact is not None:
        return exact
    best = ""
    for key in PRICES:
        if model.startswith(key) and len(key) > len(best):
            best = key
    return PRICES[best] if best else (0.0, 0.0)


def cost_for(model: str, usage: Usage) -> float:
    """US dollars for `usage` tokens of `model`."""
    pin, pout = price_of(model)
    return (usage.input_tokens * pin + usage.output_tokens * pout) / 1_000_000
