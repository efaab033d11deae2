"""Seed 004: actions, signals and routing, sensors, skills, DAG flows, supervised agents, a service.

This layer sits between `fsmnb.agents` and `fsmnb.mcp`: it builds on the
engine's public run API (`wf.start`, `run.send`, `Manager`, the telemetry
bus) and on effects, so flows journal, resume and draw like any workflow.
See docs/agents-system.md.
"""

from fsmnb.signals.act import Act, Compensate, act
from fsmnb.signals.actions import (
    Action,
    ActionContext,
    NoParams,
    action_names,
    execute_action,
    get_action,
    resolve_action,
)
from fsmnb.signals.flow_compile import Settle, settle
from fsmnb.signals.flows import Flow, FlowStep
from fsmnb.signals.journal import SignalJournal
from fsmnb.signals.policies import BreakerPolicy, RetryPolicy
from fsmnb.signals.router import DeadLetter, Route, Router
from fsmnb.signals.signal import Signal

__all__ = (
    "Act",
    "Action",
    "ActionContext",
    "BreakerPolicy",
    "Compensate",
    "DeadLetter",
    "Flow",
    "FlowStep",
    "NoParams",
    "RetryPolicy",
    "Route",
    "Router",
    "Settle",
    "Signal",
    "SignalJournal",
    "act",
    "action_names",
    "execute_action",
    "get_action",
    "resolve_action",
    "settle",
)
