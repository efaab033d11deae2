"""The base case of `solve`: plain arithmetic is computed, never sent to a model.

The detection lives in the LLM layer (`fsmnb.llm.arithmetic`) because the demo
model uses it too: it answers a number only for text that is nothing but arithmetic.
"""

from __future__ import annotations

from fsmnb.llm.arithmetic import format_number, plain_arithmetic

__all__ = ("format_number", "plain_arithmetic")
