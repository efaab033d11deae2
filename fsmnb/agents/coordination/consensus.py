"""Consensus (embedding agreement with feedback rounds) and debate (rounds, then a synthesis).

Consensus: every agent answers; the answers are embedded and their mean
pairwise cosine similarity is compared with the threshold. Below it, each
agent gets feedback — its own last answer, the others' answers and how far
the group is from agreeing — and answers again, up to `max_rounds`. The
answer is the one closest to all the others (the medoid) of the last round.
Each scored round is published as ``consensus_round`` for the Consensus widget.

Debate: for `max_rounds` rounds every agent answers seeing the others' last
answers; then the synthesizer (the first agent unless one is given) writes
the conclusion from the whole debate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fsmnb.agents.coordination._base import CoordinationResult, Round, Team, mean_offdiagonal
from fsmnb.agents.coordination.basic import _all_failed

if TYPE_CHECKING:
    from fsmnb.agents.agent import Agent

__all__ = ("consensus", "debate")


async def consensus(
    team: Team,
    agents: Sequence[Agent],
    *,
    threshold: float = 0.8,
    max_rounds: int = 3,
    **_: Any,
) -> CoordinationResult:
    """Rounds until the mean pairwise similarity reaches `threshold` (or `max_rounds`)."""
    task, result = team.result.task, team.result
    result.details["threshold"] = threshold
    last: Round | None = None
    for number in range(1, max(1, max_rounds) + 1):
        previous = last

        async def ask(a: Agent, previous: Round | None = previous) -> str:
            if previous is None or previous.answers.get(a.name) is None:
                return await a.respond(task)
            mine = previous.answers[a.name]
            others = {k: v for k, v in previous.ok.items() if k != a.name}
            feedback = (
                f"The group's agreement is {previous.mean:.2f}, below the {threshold:.2f} needed. "
                "Consider the other answers and revise yours toward a shared answer if they "
                "convince you; keep it if not."
            )
            return await a.respond(
                task, {"your_previous_answer": mine, "other_answers": others, "feedback": feedback}
            )

        last = await team.ask_each(
            agents, ask, number=number, kind="answers" if number == 1 else "feedback"
        )
        answers = last.ok
        if len(answers) < 2:
            result.reached = False
            if not answers:
                raise _all_failed(team)
            result.answer = next(iter(answers.values()))
            team.publish("coordinator", "consensus", "fewer than two agents answered: no consensus")
            return result
        last.matrix = await team.similarity(answers)
        last.mean = round(mean_offdiagonal(last.matrix), 4)
        team.consensus_round(last, threshold)
        result.score = last.mean
        result.reached = last.mean >= threshold
        verdict = "reached" if result.reached else "not reached"
        team.publish(
            "coordinator", "consensus",
            f"round {number}: mean similarity {last.mean:.3f} vs {threshold:.2f} — {verdict}",
            round=number, mean=last.mean,
        )  # fmt: skip
        if result.reached:
            break
    assert last is not None and last.matrix is not None
    names = list(last.ok)
    best = max(range(len(names)), key=lambda i: (sum(last.matrix[i]), -i))  # type: ignore[index]
    result.answer = last.ok[names[best]]
    result.details["closest"] = names[best]
    return result


async def debate(
    team: Team,
    agents: Sequence[Agent],
    *,
    max_rounds: int = 2,
    synthesizer: Agent | None = None,
    **_: Any,
) -> CoordinationResult:
    """`max_rounds` rounds seeing the others' last answers, then a synthesis."""
    task, result = team.result.task, team.result
    last: Round | None = None
    for number in range(1, max(1, max_rounds) + 1):
        previous = last

        async def ask(a: Agent, previous: Round | None = previous, number: int = number) -> str:
            if previous is None:
                return await a.respond(task)
            others = {k: v for k, v in previous.ok.items() if k != a.name}
            return await a.respond(
                task,
                {
                    "debate_round": number,
                    "your_previous_answer": previous.answers.get(a.name),
                    "other_answers": others,
                    "instruction": "Rebut or concede the others' points, then state your position.",
                },
            )

        last = await team.ask_each(agents, ask, number=number, kind="debate")
        if not last.ok:
            raise _all_failed(team)
    assert last is not None  # at least one round ran
    judge = synthesizer or next(a for a in agents if result.errors.get(a.name) is None)
    history = [{"round": r.number, "answers": r.ok} for r in result.rounds]

    async def synthesize(a: Agent) -> str:
        return await a.respond(
            f"Synthesize the debate into one conclusion: {task}", {"debate": history}
        )

    final = await team.ask_each(
        [judge], synthesize, number=len(result.rounds) + 1, kind="synthesis"
    )
    result.answer = final.answers[judge.name] if final.answers[judge.name] is not None else last.ok
    result.details["synthesizer"] = judge.name
    return result
