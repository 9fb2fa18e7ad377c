"""`clawtui demo --screenshots DIR`: the demo photographs itself for the README.

It runs the demo app headless, walks through what a new user would do — the box list, a shell on
a box, an onboarding waiting for the customer's code, the same box ready, a batch with a
failure, the box checks, the help — and saves each screen with the app's own (masked) screenshot
action. The customer's part is played by fetching the code from the simulated sign-in page.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import re
import urllib.request
from collections.abc import Callable
from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input

from .. import flow as f
from ..openclaw import PROPOSED_MODEL
from .app import DemoApp
from .screens.boxes import BoxListScreen
from .screens.model import DefaultModelScreen
from .screens.onboard import OnboardScreen

_CODE = re.compile(r'<code id="auth-code">(.*?)</code>', re.S)


def _customer_code(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the demo's page
        page = response.read().decode("utf-8")
    match = _CODE.search(page)
    if match is None:
        raise RuntimeError("the demo's sign-in page showed no code")
    return html.unescape(match.group(1)).strip()


async def _until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the demo did not get there in time")
        await asyncio.sleep(0.05)


async def take_screenshots(folder: Path, *, size: tuple[int, int] = (120, 40)) -> list[Path]:
    app = DemoApp(time_scale=0.2, screenshot_dir=folder)
    saved: list[Path] = []

    async def shot(pilot: Pilot[int], name: str) -> None:
        await pilot.pause()
        await asyncio.sleep(0.3)  # let the last frame of the panes land (60 fps throttle)
        await pilot.pause()
        path = app.save_masked_screenshot(f"{name}.svg")
        if path is not None:
            saved.append(path)

    async with app.run_test(size=size) as pilot:
        await _until(lambda: isinstance(app.screen, BoxListScreen))
        box_list = app.screen
        assert isinstance(box_list, BoxListScreen)
        table = box_list.query_one(DataTable)
        await shot(pilot, "boxes")

        # A shell on a box.
        await pilot.press("enter")
        await _until(lambda: "$" in app.screen.query_one("#pane").model.text())  # type: ignore[attr-defined]
        for key in (*"uname -sr; node --version; openclaw --version", "enter"):
            await pilot.press("space" if key == " " else key)
        await _until(lambda: "OpenClaw" in app.screen.query_one("#pane").model.text())  # type: ignore[attr-defined]
        await shot(pilot, "shell")
        await pilot.press("ctrl+right_square_bracket", "escape")

        # Onboarding one box, waiting for the customer's code.
        app.start_onboarding(["acme-prod"])
        screen = app.screen
        assert isinstance(screen, OnboardScreen)
        await _until(lambda: screen.url is not None)
        await asyncio.sleep(1.2)
        code = await asyncio.to_thread(_customer_code, screen.url or "")
        field = screen.query_one("#code", Input)
        field.post_message(events.Paste(code))
        await shot(pilot, "onboard-waiting")
        await pilot.press("enter")
        # A fresh OpenClaw is on an OpenAI model: the operator switches it to Claude.
        await _until(
            lambda: isinstance(app.screen, DefaultModelScreen) and bool(app.screen.query("#switch"))
        )
        app.screen.query_one("#switch", Button).press()
        await _until(lambda: screen.flow.phase == f.Phase.VERIFIED)
        await shot(pilot, "onboard-verified")
        await pilot.press("escape")

        # A batch, with a box that fails (OpenClaw is missing on tyrell-edge).
        batch = ["globex-web", "initech-bot", "umbrella-ops", "tyrell-edge"]
        # As an inventory's `default_model` would: the batch switches without a question each.
        app.boxes[:] = [
            dataclasses.replace(box, default_model=PROPOSED_MODEL) if box.name in batch else box
            for box in app.boxes
        ]
        for name in batch:
            table.move_cursor(row=table.get_row_index(name))
            await pilot.press("space")
        await pilot.press("ctrl+o")
        await _until(lambda: all(app.onboardings[n].runner.flow.url for n in batch))
        for name in batch[2:]:
            url = app.onboardings[name].runner.flow.url
            assert url is not None
            code = await asyncio.to_thread(_customer_code, url.url)
            field = box_list.query_one("#batch-code", Input)
            field.focus()
            field.post_message(events.Paste(code))
            await pilot.pause()
            await pilot.press("enter")
        await _until(lambda: all(app.onboardings[n].runner.flow.done for n in batch[2:]))
        table.focus()
        await shot(pilot, "batch")

        # Box checks, then the help.
        for name in ("cyberdyne-01", "oceanic-tiny"):
            table.move_cursor(row=table.get_row_index(name))
            await pilot.press("space")
        for name in batch[:2]:
            box_list.selected.discard(name)
        await pilot.press("ctrl+k")
        await _until(lambda: len(getattr(app.screen, "reports", {})) == 2)
        await shot(pilot, "checks")
        await pilot.press("escape", "f1")
        await shot(pilot, "help")
    return saved


def run_screenshots(folder: Path) -> int:
    saved = asyncio.run(take_screenshots(folder))
    for path in saved:
        print(path)
    return 0
