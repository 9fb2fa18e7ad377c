"""The fleet: a batch honours its parallel limit, and slow customers never starve it.

Real parts: twelve simulated boxes behind the loopback SSH server, each running the simulated
`claude` and `openclaw` in real PTYs; the customer's codes are read off the sign-in page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clawtui import flow as f
from clawtui.audit import AuditLog
from clawtui.fleet import BoxOnboarding, Counts, Fleet, FleetListener
from clawtui.sim.boxes import SimBox
from clawtui.sim.server import SimServer
from clawtui.vault import Vault
from tests.conftest import TEST_TIME_SCALE, wait_for
from tests.customer import code_from_page

pytestmark = pytest.mark.slow

#: Boxes whose OpenClaw already defaults to Claude: the limit is the point here, not the question.
BATCH = [
    SimBox(
        f"box-{index:02d}",
        f"Customer {index}",
        settings={"openclaw_default_model": "anthropic/claude-sonnet-4-6"},
    )
    for index in range(12)
]


class Watcher(FleetListener):
    """Records the most slots ever held at once and the order in which boxes started."""

    def __init__(self) -> None:
        self.fleet: Fleet | None = None
        self.most_running = 0
        self.started: list[str] = []

    def on_started(self, box: BoxOnboarding, *, resume: bool) -> None:
        self.started.append(box.name)

    def on_changed(self, box: BoxOnboarding) -> None:
        assert self.fleet is not None
        self.most_running = max(self.most_running, self.fleet.counts().running)


@pytest.fixture
async def batch_server(tmp_path: Path) -> AsyncIterator[SimServer]:
    async with SimServer(tmp_path / "sim", BATCH, time_scale=TEST_TIME_SCALE) as server:
        yield server


async def test_a_batch_of_12_runs_at_most_3_at_once_and_links_release_slots(
    batch_server: SimServer, tmp_path: Path
) -> None:
    watcher = Watcher()
    fleet = Fleet(
        batch_server.inventory_boxes(),
        vault=Vault(tmp_path / "vault"),
        audit=AuditLog(tmp_path / "audit.jsonl"),
        listener=watcher,
        max_parallel=3,
    )
    watcher.fleet = fleet
    names = [box.name for box in BATCH]
    try:
        fleet.start(names)
        # Right away: three start, nine wait their turn.
        counts = fleet.counts()
        assert (counts.running, counts.waiting) == (3, 9)
        # Nobody answers yet: still, every box gets its link, because a box waiting for the
        # customer's code gives its slot to the next one.
        await wait_for(
            lambda: len(fleet.ready_links()) == 12, timeout=90, what="all 12 sign-in links"
        )
        assert watcher.most_running == 3
        assert watcher.started == names  # in the order they were started
        assert [row.box for row in fleet.ready_links()] == names
        assert fleet.counts().link_ready == 12

        # Each customer answers; the batch-wide routing sends each code to its own box.
        for row in fleet.ready_links():
            routed = fleet.route_code(await code_from_page(row.url))
            assert routed.box == row.box
        await wait_for(
            lambda: all(o.flow.phase == f.Phase.VERIFIED for o in fleet.onboardings.values()),
            timeout=120,
            what="all 12 boxes verified",
        )
        assert watcher.most_running <= 3
        assert fleet.counts() == Counts(done=12)
    finally:
        await fleet.close()


async def test_a_code_for_no_open_link_goes_nowhere_and_says_why(
    batch_server: SimServer, tmp_path: Path
) -> None:
    fleet = Fleet(
        batch_server.inventory_boxes()[:1],
        vault=Vault(tmp_path / "vault"),
        audit=AuditLog(tmp_path / "audit.jsonl"),
    )
    try:
        assert "#STATE" in (fleet.route_code("abc").message)
        routed = fleet.route_code("A" * 40 + "#" + "B" * 40)
        assert routed.box is None and "matches none of the open links" in routed.message
    finally:
        await fleet.close()


async def test_the_inventory_limit_holds_in_the_tui_and_the_queue_panel_says_so(
    batch_server: SimServer, tmp_path: Path
) -> None:
    from clawtui.tui.app import ClawApp
    from clawtui.tui.screens.boxes import BoxListScreen
    from clawtui.tui.widgets.queue import QueueList

    inventory = tmp_path / "boxes.toml"
    batch_server.write_inventory(inventory)
    inventory.write_text("max_parallel = 3\n" + inventory.read_text(), encoding="utf-8")
    app = ClawApp(
        inventory,
        vault=Vault(tmp_path / "vault"),
        audit=AuditLog(tmp_path / "audit.jsonl"),
    )
    async with app.run_test(size=(160, 50)):
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        assert app.fleet.max_parallel == 3
        app.start_onboarding([box.name for box in app.boxes])  # what ctrl+a, ctrl+o do
        counts = app.fleet.counts()
        assert (counts.running, counts.waiting) == (3, 9)
        queue = app.screen.query_one(QueueList)
        await wait_for(lambda: len(app.fleet.ready_links()) == 12, 90, "every link")
        await wait_for(
            lambda: "0 running / 0 waiting / 12 link ready" in " ".join(queue.shown.split("\n")),
            10,
            "the queue's counts",
        )
