"""Does a workflow do *this* task, or does the problem only share its nouns?

The registry ranks workflows by how much of their vocabulary a problem uses, so
"Order ten new temperature sensors for line 3" ranks the equipment check first
(sensors, line, temperature) and "Plan the company's holiday party" ranks
predictive maintenance first (its example says "Plan servicing"). A similarity
threshold cannot separate those from true matches; two checks on the workflow's
own texts (description, tags, examples) can:

- **only generic words shared**: the words the problem shares with the workflow
  are all verbs or fillers that say nothing about what the workflow does
  (plan, write, check, new, team, …);
- **a different kind of task**: the problem starts with a verb of work that no
  operational workflow here does (order, hire, translate, design, paint, …) and
  that verb does not appear in the workflow's own texts, and the problem shares fewer
  than `STRONG_OVERLAP` content words with it.

The offline demo model uses them to answer ``create_new``; a real model judges for itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fsmnb.llm.lexical import stem, tokens

__all__ = ("GENERIC_WORDS", "TASK_VERBS", "mismatch")

#: Words that, shared alone, do not tie a problem to a workflow.
_GENERIC = """plan planning set up new make create write draft summarize summary check report prepare
    find get ready next today tomorrow team staff company plant site month week day morning
    evening compare review update list run do need want know help work out all u one two ten
    last first time take give send about good best business office employee people year
    quarter annual"""
GENERIC_WORDS = frozenset(_GENERIC.split())
_GENERIC_STEMS = frozenset(map(stem, GENERIC_WORDS))

#: Verbs of work that none of an operations library's workflows is about by default.
_TASK_VERBS = """order buy purchase hire recruit design translate paint book organize organise negotiate
    send give write draft arrange train
    rename move create plan build set convert compare choose recommend
    calculate compute install configure migrate market celebrate publish print sell invite
    decorate teach rewrite redesign advertise sponsor throw host"""
TASK_VERBS = frozenset(_TASK_VERBS.split())

#: Shared content words from which a problem is about the workflow whatever its verb.
STRONG_OVERLAP = 3

_LEAD = re.compile(
    r"^\s*(?:(?:please|pls|kindly|can you|could you|we need to|i need to|let's|lets|help me)\s+)*"
    r"([a-z]+)",
    re.IGNORECASE,
)


def _verb(problem: str) -> str | None:
    found = _LEAD.match(problem)
    verb = found.group(1).lower() if found else None
    return verb if verb in TASK_VERBS else None


def mismatch(problem: str, texts: Iterable[str]) -> str | None:
    """Why the workflow described by `texts` does not do `problem`'s task, or None when it may.

    Example:
        >>> mismatch("Plan the holiday party", ["Plan servicing before the motor breaks"])
        'it shares only generic words with the problem (plan)'
    """
    theirs = set(tokens(" ".join(texts)))
    shared = set(tokens(problem)) & theirs  # stems: "investigation" meets "investigate"
    if shared and not shared - _GENERIC_STEMS:
        return f"it shares only generic words with the problem ({', '.join(sorted(shared))})"
    verb = _verb(problem)
    strong = len(shared - _GENERIC_STEMS) >= STRONG_OVERLAP  # clearly about this workflow
    if verb is not None and not strong and stem(verb) not in theirs:
        return f"the problem asks to `{verb}`, which it does not do"
    return None
