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
from fsmnb.signals.agent import Mailbox, StateJournal, SupervisedAgent
from fsmnb.signals.builtin_skills import AutoScalingSkill, IntelligentMonitoringSkill
from fsmnb.signals.flow_compile import Settle, settle
from fsmnb.signals.flows import Flow, FlowStep
from fsmnb.signals.journal import SignalJournal
from fsmnb.signals.policies import BreakerPolicy, RetryPolicy
from fsmnb.signals.router import DeadLetter, Route, Router
from fsmnb.signals.sensors import QueueSensor, Sensor
from fsmnb.signals.service import Service
from fsmnb.signals.signal import Signal
from fsmnb.signals.skills import Skill, SkillRoute
from fsmnb.signals.supervisor import Killed, Supervisor
from fsmnb.signals.system_sensors import FileSensor, SystemHealthSensor

__all__ = (
    "Act",
    "Action",
    "ActionContext",
    "AutoScalingSkill",
    "BreakerPolicy",
    "Compensate",
    "DeadLetter",
    "FileSensor",
    "Flow",
    "FlowStep",
    "IntelligentMonitoringSkill",
    "Killed",
    "Mailbox",
    "NoParams",
    "QueueSensor",
    "RetryPolicy",
    "Route",
    "Router",
    "Sensor",
    "Service",
    "Settle",
    "Signal",
    "SignalJournal",
    "Skill",
    "SkillRoute",
    "StateJournal",
    "SupervisedAgent",
    "Supervisor",
    "SystemHealthSensor",
    "act",
    "action_names",
    "execute_action",
    "get_action",
    "resolve_action",
    "settle",
)
