"""Transcript and Consensus in a real kernel, fed by telemetry as the agents publish it."""

from __future__ import annotations

TRANSCRIPT = "fsmnb.widgets.transcript.Transcript"
CONSENSUS = "fsmnb.widgets.consensus.Consensus"


def test_transcript_streams_tokens_and_shows_usage(kernel):
    kernel.execute(
        """
        from fsmnb import TelemetryEvent, bus
        from fsmnb.widgets import Consensus, Transcript

        chat = Transcript(listen=True, title="agents")
        display(chat)
        bus.publish(TelemetryEvent("agent_message", "r1", data={"role": "user", "content": "47 + 89?"}))
        for piece in ["The ", "answer ", "is ", "136."]:
            bus.publish(TelemetryEvent("llm_token", "r1", data={"delta": piece, "message_id": "m-1", "model": "scripted:math"}))
        """
    )
    (opened,) = kernel.widget_opens(TRANSCRIPT)
    comm_id = opened["content"]["comm_id"]
    kernel.execute(
        """
        bus.publish(TelemetryEvent("llm_call", "r1", data={"message_id": "m-1", "model": "scripted:math",
            "usage": {"prompt_tokens": 12, "completion_tokens": 4}, "cost": 0.0002}))
        bus.publish(TelemetryEvent("agent_message", "r1", data={"message_id": "m-1", "role": "assistant",
            "agent": "solver", "content": "The answer is 136."}))
        """
    )
    kernel.wait_for(
        lambda m: (
            m["msg_type"] == "comm_msg"
            and any(
                x.get("cost") for x in m["content"]["data"].get("state", {}).get("messages", [])
            )
        )
    )
    user, answer = kernel.latest(comm_id)["messages"]
    assert (user["role"], user["content"]) == ("user", "47 + 89?")
    assert answer["content"] == "The answer is 136."
    assert (answer["model"], answer["tokens"], answer["cost"]) == ("scripted:math", 16, 0.0002)
    assert answer["streaming"] is False
    assert kernel.value("chat") == "Transcript(2 messages)"  # stable text/plain


def test_consensus_rounds_from_telemetry(kernel):
    kernel.execute(
        """
        votes = Consensus(listen=True)
        display(votes)
        bus.publish(TelemetryEvent("consensus_round", "r2", data={"round": 1, "agents": ["a", "b"],
            "answers": ["136", "about 140"], "matrix": [[1, 0.6], [0.6, 1]], "mean": 0.6, "threshold": 0.8}))
        bus.publish(TelemetryEvent("consensus_round", "r2", data={"round": 2, "agents": ["a", "b"],
            "answers": ["136", "136"], "matrix": [[1, 0.97], [0.97, 1]], "mean": 0.97, "threshold": 0.8}))
        """
    )
    (opened,) = kernel.widget_opens(CONSENSUS)
    comm_id = opened["content"]["comm_id"]
    kernel.wait_for(lambda m: len(kernel.latest(comm_id).get("rounds", [])) == 2)
    first, second = kernel.latest(comm_id)["rounds"]
    assert (first["mean"], first["reached"]) == (0.6, False)
    assert (second["mean"], second["reached"], second["answers"]) == (0.97, True, ["136", "136"])
    kernel.execute("chat.detach(); votes.detach()")
