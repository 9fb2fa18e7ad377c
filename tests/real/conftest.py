"""Fixtures of the `real` tests: Node 24, OpenClaw and Claude Code from npm, boxes behind sshd.

A missing prerequisite (no root, no sshd, no npm registry) fails the test under CI (`CI=true`),
where these tests must never be skipped, and skips it elsewhere with the precise reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from clawtui.ssh import connect
from tests.real.installs import MissingPrerequisite, RealPrograms, ensure_real_programs
from tests.real.sshd import SshdBox, stage_programs, stage_sim_claude

T = TypeVar("T")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require(make: Callable[[], T]) -> T:
    """`make()`, or fail (CI) / skip (elsewhere) the test with the missing prerequisite."""
    try:
        return make()
    except MissingPrerequisite as missing:
        if in_ci():
            pytest.fail(f"real tests: {missing}", pytrace=False)
        pytest.skip(f"real tests: {missing}")


def _temporary_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)  # box users read the programs staged here
    return folder


@pytest.fixture(scope="session")
def real_programs() -> Iterator[RealPrograms]:
    """Node 24, OpenClaw and Claude Code from npm (cached), where a box user can run them."""
    programs = require(ensure_real_programs)
    stage = _temporary_folder("clawtui-real-programs-")
    try:
        yield stage_programs(programs, stage)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@pytest.fixture(scope="session")
def sim_claude_bin() -> Iterator[Path]:
    """clawtui's simulated `claude`, runnable by a box user."""
    stage = _temporary_folder("clawtui-real-simclaude-")
    try:
        yield stage_sim_claude(stage)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _start_box(path_first: list[Path]) -> SshdBox:
    box = SshdBox(path_first=path_first)
    require(box.start)
    return box


@pytest.fixture
async def openclaw_box(real_programs: RealPrograms, sim_claude_bin: Path) -> AsyncIterator[SshdBox]:
    """A box behind sshd with Node 24 and the real OpenClaw first on PATH, and the simulated
    claude. Checked the way clawtui runs commands: `openclaw --version` over SSH, no terminal."""
    box = _start_box([real_programs.node_bin, real_programs.openclaw_bin, sim_claude_bin])
    try:
        async with await connect(box.box()) as connection:
            version = await connection.run("openclaw --version", timeout=120)
            which = await connection.run("command -v node claude openclaw; node --version")
        assert version.exit_status == 0 and "OpenClaw 2026.9.6" in version.stdout, version.stdout
        assert which.stdout.split() == [
            str(real_programs.node),
            str(sim_claude_bin / "claude"),
            str(real_programs.openclaw_bin / "openclaw"),
            "v24.21.0",
        ], which.stdout
        yield box
    finally:
        box.stop()


@pytest.fixture
async def claude_box(real_programs: RealPrograms) -> AsyncIterator[SshdBox]:
    """A box behind sshd with the real Claude Code 2.1.332 first on PATH (offline)."""
    box = _start_box([real_programs.node_bin, real_programs.claude_bin])
    try:
        async with await connect(box.box()) as connection:
            version = await connection.run("claude --version", timeout=120)
        assert version.exit_status == 0 and "2.1.332" in version.stdout, version.stdout
        yield box
    finally:
        box.stop()
