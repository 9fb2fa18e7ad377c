"""The demo's fleet: which simulated customer boxes exist and what is wrong with each.

Kept apart from the server so that the demo, the tests and the benchmarks can pick boxes (or make
their own) without starting anything. Each failure scenario of `clawtui.sim.config.SCENARIOS`
lives on a box of its own, so an operator trying the demo meets every failure once, on a box
whose name says nothing about it, as on a real fleet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .config import GATEWAY_STATES, GENERATIONS, SCENARIOS, SimConfig

#: Node that `npm install -g openclaw` needs (FLOW.md); older ones get the 0.0.1 placeholder.
NODE_CURRENT = "v24.21.0"
NODE_OLD = "v20.19.5"
NODE_22 = "v22.22.3"  # the oldest Node that openclaw 2026.9.2 accepts

# Knobs a SimBox sets itself; everything else of SimConfig may come through `settings`.
_OWN_KNOBS = {"box", "generation", "scenario", "node_version", "mem_total_mb"}
# Knobs only the server may set: they depend on the running server, not on the box.
_SERVER_KNOBS = {"signin_base", "secret", "time_scale"}


@dataclass(frozen=True)
class SimBox:
    """One simulated box. `name` is also the SSH user name that reaches it."""

    name: str
    customer: str
    generation: str = "2.1.332"
    scenario: str = "happy"
    node_version: str = NODE_CURRENT
    mem_total_mb: int = 3936
    #: Overrides of other `SimConfig` knobs (token_length, openclaw_ignore_pastes, ...).
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.generation not in GENERATIONS:
            raise ValueError(f"{self.name}: generation must be one of {GENERATIONS}")
        if self.scenario not in SCENARIOS:
            raise ValueError(f"{self.name}: scenario must be one of {SCENARIOS}")
        allowed = set(SimConfig.FIELDS) - _OWN_KNOBS - _SERVER_KNOBS
        unknown = sorted(set(self.settings) - allowed)
        if unknown:
            raise ValueError(f"{self.name}: unknown SimConfig knob(s) {unknown}")
        gateway = self.settings.get("gateway", "service")
        if gateway not in GATEWAY_STATES:
            raise ValueError(f"{self.name}: gateway must be one of {GATEWAY_STATES}")

    @property
    def has_openclaw(self) -> bool:
        """Whether an `openclaw` command is on the box's PATH."""
        return self.scenario not in ("openclaw_missing", "openclaw_placeholder")

    def sim_config(self, *, signin_base: str, secret: str, time_scale: float) -> SimConfig:
        return SimConfig(
            box=self.name,
            generation=self.generation,
            scenario=self.scenario,
            signin_base=signin_base,
            secret=secret,
            time_scale=time_scale,
            node_version=self.node_version,
            mem_total_mb=self.mem_total_mb,
            **dict(self.settings),
        )


DEMO_BOXES: tuple[SimBox, ...] = (
    # Boxes where everything works, both generations of `claude`.
    SimBox("acme-prod", "Acme Inc"),
    SimBox("globex-web", "Globex Corporation", generation="2.1.197"),
    SimBox("initech-bot", "Initech"),
    SimBox("umbrella-ops", "Umbrella Health", generation="2.1.197"),
    # One box per failure scenario.
    SimBox("hooli-staging", "Hooli", scenario="code_refused"),
    SimBox("stark-lab", "Stark Industries", generation="2.1.197", scenario="service_unreachable"),
    SimBox("wayne-archive", "Wayne Enterprises", scenario="no_pty"),
    SimBox("wonka-kiosk", "Wonka Confections", generation="2.1.197", scenario="slow_start"),
    SimBox("tyrell-edge", "Tyrell Corp", scenario="openclaw_missing"),
    SimBox(
        "cyberdyne-01",
        "Cyberdyne Systems",
        generation="2.1.197",
        scenario="openclaw_placeholder",
        node_version=NODE_OLD,
    ),
    SimBox("soylent-db", "Soylent Foods", scenario="drop_after_token"),
    SimBox("vandelay-imports", "Vandelay Industries", scenario="verify_mismatch"),
    SimBox(
        "oceanic-tiny",
        "Oceanic Airlines",
        scenario="low_memory",
        node_version=NODE_22,
        mem_total_mb=960,  # a 1 GB plan: npm installs get OOM-killed
        # On Node 22, npm installs the last openclaw that still runs there.
        settings={"openclaw_version": "2026.9.2"},
    ),
    # After the paste (issue 7): the box's default model, its gateway, the token's expiry.
    SimBox(
        "pied-piper",
        "Pied Piper",
        settings={"openclaw_default_model": "anthropic/claude-sonnet-4-6"},
    ),
    SimBox("massive-dyn", "Massive Dynamic", settings={"gateway": "no_service_manager"}),
    SimBox("aperture-sci", "Aperture Science", settings={"gateway": "restart_fails"}),
    # OpenClaw records only 3 days of validity here: `models status --check` says expiring.
    SimBox("nakatomi-hq", "Nakatomi Trading", settings={"openclaw_expiry_cap_days": 3.0}),
)
