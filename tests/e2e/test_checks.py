"""Box checks (`clawtui check`): every demo box gives the verdict an operator needs before a call.

Real parts: the demo's asyncssh server on 127.0.0.1 port 0, the box script run by the real
/bin/sh (dash, as on Ubuntu) over SSH, and the simulated `node`, `npm`, `free`, `claude` and
`openclaw`. A few boxes of our own have a program removed or replaced by a small sh script (one
that fails, or hangs) to play what the fleet cannot: those replacements are the only stand-ins.
The parsers are tested on literal outputs of the real programs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from clawtui import checks
from clawtui.checks import (
    BoxReport,
    CheckResult,
    Probe,
    Status,
    check_box,
    check_boxes,
    judge,
    judge_memory,
    judge_node,
    judge_openclaw,
    parse_claude_version,
    parse_free_total,
    parse_meminfo_total,
    parse_node_version,
    parse_npm_global,
    read_probes,
)
from clawtui.cli.checks import format_report, run_checks_cli
from clawtui.inventory import Box, find_box
from clawtui.sim.boxes import DEMO_BOXES, NODE_22, SimBox
from clawtui.sim.server import SimServer
from clawtui.ssh import SshConnection, connect
from tests.conftest import TEST_TIME_SCALE, process_alive, wait_for

BOX = Box(name="acme-prod", host="203.0.113.7", user="ubuntu")

# `free -b` as Ubuntu 24.04 (procps 4.0.4) prints it, with the total of a 2 GB plan: 1919 MiB.
FREE_2GB = """\
               total        used        free      shared  buff/cache   available
Mem:      2012446720   590340096   143429632     2801664  1459556352  1422106624
Swap:              0           0           0
"""
# ...and on a 1 GB plan.
FREE_1GB = """\
               total        used        free      shared  buff/cache   available
Mem:       993271808   402653184    88080384     1048576   502538240   437272576
Swap:              0           0           0
"""


def statuses(report: BoxReport) -> dict[str, Status]:
    return {result.name: result.status for result in report.results}


def probe(name: str, output: str, exit_status: int = 0) -> Probe:
    return Probe(name, f"/usr/bin/{name}", output, exit_status)


def missing(name: str) -> Probe:
    return Probe(name, None)


# --------------------------------------------------------------------------- pure: parsing


def test_parse_versions_from_literal_outputs() -> None:
    assert parse_node_version("v24.16.0\n") == (24, 16, 0)
    assert parse_node_version("v20.19.5") == (20, 19, 5)
    assert parse_node_version("command not found") is None
    assert parse_claude_version("2.1.332 (Claude Code)\n") == "2.1.332"
    assert parse_claude_version("1.0.0\n") == "1.0.0"
    assert parse_claude_version("error: unknown option") is None
    assert judge_openclaw(BOX, probe("openclaw", "OpenClaw 2026.9.6 (eb377ac)\n"), None) == (
        CheckResult("openclaw", Status.OK, "2026.9.6", "")
    )


def test_parse_memory_from_free_and_meminfo() -> None:
    assert parse_free_total(FREE_2GB) == 2012446720
    assert parse_free_total("free: invalid option") is None
    assert parse_meminfo_total("MemTotal:        1965280 kB\nMemFree: 1 kB\n") == 1965280 * 1024
    assert parse_meminfo_total("") is None


def test_parse_npm_global_listing_both_tree_styles() -> None:
    unicode_tree = "/usr/lib\n├── @anthropic-ai/claude-code@2.1.197\n└── openclaw@0.0.1\n"
    ascii_tree = "/usr/lib\n+-- corepack@0.34.0\n`-- openclaw@2026.9.6\n"
    assert parse_npm_global(unicode_tree, "openclaw") == "0.0.1"
    assert parse_npm_global(unicode_tree, "@anthropic-ai/claude-code") == "2.1.197"
    assert parse_npm_global(ascii_tree, "openclaw") == "2026.9.6"
    assert parse_npm_global("/usr/lib\n└── (empty)\n", "openclaw") is None
    # Another package whose name ends in "openclaw" is not OpenClaw.
    assert parse_npm_global("/usr/lib\n└── not-openclaw@1.0.0\n", "openclaw") is None


@pytest.mark.parametrize(
    ("output", "status"),
    [
        ("v20.19.5", Status.FAIL),
        ("v22.22.2", Status.FAIL),
        ("v22.22.3", Status.WARN),
        ("v24.15.9", Status.WARN),
        ("v24.16.0", Status.OK),
        ("v26.1.0", Status.OK),
    ],
)
def test_node_thresholds(output: str, status: Status) -> None:
    result = judge_node(BOX, probe("node", output))
    assert (result.status, result.found) == (status, output)
    assert (result.advice == "") == (status is Status.OK)
    if status is Status.WARN:
        assert "needs Node >= 24.16; 2026.9.2 is the last that runs on this Node" in result.advice
    if status is Status.FAIL:
        assert "Node 24 LTS" in result.advice and "acme-prod" in result.advice


def test_node_missing_or_broken() -> None:
    gone = judge_node(BOX, missing("node"))
    assert (gone.status, gone.found) == (Status.FAIL, "not installed")
    assert "install Node 24 LTS, e.g. from NodeSource" in gone.advice
    broken = judge_node(BOX, probe("node", "node: error while loading shared libraries", 127))
    assert broken.status is Status.FAIL and "error while loading shared libraries" in broken.advice


def test_memory_threshold_treats_a_2gb_plan_as_2gb() -> None:
    assert judge_memory(BOX, probe("free", FREE_2GB), None).status is Status.OK
    small = judge_memory(BOX, probe("free", FREE_1GB), None)
    assert small.status is Status.FAIL
    assert small.found == "0.9 GiB (947 MiB)"
    assert "OOM-killed below 2 GB" in small.advice and "acme-prod" in small.advice
    mib = 1024**2
    boundary = "Mem: {} 0 0 0 0 0"
    assert judge_memory(BOX, probe("free", boundary.format(1900 * mib)), None).status is Status.OK
    below = boundary.format(1900 * mib - 1)
    assert judge_memory(BOX, probe("free", below), None).status is Status.FAIL


def test_memory_falls_back_to_meminfo_then_unknown() -> None:
    meminfo = probe("meminfo", "MemTotal:        4028596 kB")
    result = judge_memory(BOX, missing("free"), meminfo)
    assert (result.status, result.found) == (Status.OK, "3.8 GiB (3934 MiB)")
    unknown = judge_memory(BOX, missing("free"), None)
    assert unknown.status is Status.UNKNOWN and "acme-prod" in unknown.advice


def test_read_probes_and_a_script_cut_off_midway() -> None:
    marker = "@@clawtui-check-abc"
    stdout = (
        f"\n{marker} node begin /usr/bin/node\nv24.16.0\n\n{marker} node end 0\n"
        f"\n{marker} claude missing\n"
        f"\n{marker} openclaw begin /usr/bin/openclaw\nOpenClaw 2026.9.6 (eb377ac)\n"
    )
    probes = read_probes(stdout, marker)
    assert probes["node"] == Probe("node", "/usr/bin/node", "v24.16.0", 0)
    assert probes["claude"].missing
    assert probes["openclaw"].exit_status is None  # never ended
    results = {result.name: result for result in judge(BOX, probes)}
    assert results["node"].status is Status.OK
    assert results["claude"].status is Status.FAIL
    assert results["openclaw"].status is Status.UNKNOWN  # cut off: not known, not "broken"
    assert results["memory"].status is Status.UNKNOWN


def test_report_status_is_the_worst_and_lines_align() -> None:
    results = (
        CheckResult("reachable", Status.OK, "ssh ok", ""),
        CheckResult("node", Status.WARN, "v22.22.3", "upgrade Node"),
        CheckResult("memory", Status.UNKNOWN, "not readable", "check by hand"),
    )
    assert BoxReport("a", results[:1]).status is Status.OK
    assert BoxReport("a", results[:2]).status is Status.WARN
    assert BoxReport("a", results).status is Status.UNKNOWN
    assert not BoxReport("a", results).ready
    failed = (*results, CheckResult("claude", Status.FAIL, "not installed", "install it"))
    assert BoxReport("a", failed).status is Status.FAIL
    assert BoxReport("a", ()).status is Status.UNKNOWN

    lines = format_report(BoxReport("acme-prod", results[:2], "ubuntu@203.0.113.7"))
    assert lines == [
        "acme-prod (ubuntu@203.0.113.7): ready, with 1 warning",
        "  ✓ reachable  ssh ok",
        "  ! node       v22.22.3  upgrade Node",
    ]


# --------------------------------------------------------------------------- over SSH

#: The checks that do not ask OpenClaw about its own state.
BASE_CHECKS = tuple(n for n in checks.CHECK_NAMES if n not in checks.OPENCLAW_STATE_CHECKS)

# Already on Claude: the default-model check has nothing to say about these boxes.
_ON_CLAUDE = {"openclaw_default_model": "anthropic/claude-sonnet-4-6"}

# Boxes the demo fleet does not have; some get a program replaced after the server starts.
EXTRA_BOXES = (
    SimBox("fine", "Fine Ltd", settings=_ON_CLAUDE),
    SimBox(
        "node22",
        "Node 22 Ltd",
        node_version=NODE_22,
        settings={"openclaw_version": "2026.9.2", **_ON_CLAUDE},
    ),
    SimBox("one-gig", "One Gig Ltd", mem_total_mb=966),
    SimBox("no-claude", "No Claude Ltd"),  # claude removed from PATH (npm still lists it)
    SimBox("broken-openclaw", "Broken Ltd"),  # openclaw fails as on a too-old Node
    SimBox("hung-claude", "Hung Ltd", settings=_ON_CLAUDE),  # `claude --version` never answers
    SimBox("free-fails", "No Free Ltd"),  # `free` fails: memory from /proc/meminfo
)

_OPENCLAW_CRASH = (
    "#!/bin/sh\n"
    "echo 'openclaw: Node.js v22.22.3 is not supported; OpenClaw requires Node >= 24.16' >&2\n"
    "exit 1\n"
)


@pytest.fixture
async def extra_server(tmp_path: Path) -> AsyncIterator[SimServer]:
    async with SimServer(tmp_path / "extra", EXTRA_BOXES, time_scale=TEST_TIME_SCALE) as server:
        (server.bin_dir("no-claude") / "claude").unlink()
        _replace(server, "broken-openclaw", "openclaw", _OPENCLAW_CRASH)
        # Records its pid so the test can see the box's `timeout` stop it.
        pid_file = server.home("hung-claude") / "claude.pid"
        _replace(
            server, "hung-claude", "claude", f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n"
        )
        _replace(server, "free-fails", "free", "#!/bin/sh\necho 'free: cannot read' >&2\nexit 1\n")
        yield server


def _replace(server: SimServer, box: str, program: str, script: str) -> None:
    path = server.bin_dir(box) / program
    path.write_text(script, encoding="utf-8")
    path.chmod(0o755)


def _box(server: SimServer, name: str) -> Box:
    return find_box(server.inventory_boxes(), name)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _demo_verdict(name: str) -> str:
    if name in ("tyrell-edge", "cyberdyne-01"):
        return "needs attention"
    if name == "oceanic-tiny":
        return "needs attention"  # 960 MiB: a 1 GB plan
    if name == "pied-piper":
        return "ready"  # already on Claude
    if name in ("massive-dyn", "aperture-sci"):
        return "ready, with 2 warnings"  # on OpenAI, and the gateway
    return "ready, with 1 warning"  # a fresh OpenClaw defaults to an OpenAI model


@pytest.mark.slow
async def test_every_demo_box_gets_its_verdict(sim_server: SimServer) -> None:
    boxes = sim_server.inventory_boxes()
    reports = await check_boxes(boxes)
    assert [report.box for report in reports] == [box.name for box in boxes]
    by_name = {report.box: report for report in reports}
    # Before onboarding, a fresh OpenClaw's default is an OpenAI model: a warning.
    all_ok = {**dict.fromkeys(checks.CHECK_NAMES, Status.OK), "default model": Status.WARN}
    not_checked = dict.fromkeys(checks.OPENCLAW_STATE_CHECKS, Status.UNKNOWN)

    cyberdyne = by_name["cyberdyne-01"]
    assert statuses(cyberdyne) == {
        **all_ok,
        **not_checked,
        "node": Status.FAIL,
        "openclaw": Status.FAIL,
    }
    assert cyberdyne.result("node").found == "v20.19.5"
    placeholder = cyberdyne.result("openclaw")
    assert placeholder.found == "0.0.1 (empty placeholder)"
    assert "empty placeholder npm installs on a Node too old" in placeholder.advice
    assert "to >= 24.16, then `npm install -g openclaw@latest`" in placeholder.advice

    tyrell = by_name["tyrell-edge"]
    assert statuses(tyrell) == {**all_ok, **not_checked, "openclaw": Status.FAIL}
    assert tyrell.result("openclaw").found == "not installed"
    assert "npm install -g openclaw@latest" in tyrell.result("openclaw").advice

    oceanic = by_name["oceanic-tiny"]
    assert statuses(oceanic) == {**all_ok, "node": Status.WARN, "memory": Status.FAIL}
    assert oceanic.result("node").found == "v22.22.3"
    assert oceanic.result("openclaw").found == "2026.9.2"

    for box in DEMO_BOXES:
        report = by_name[box.name]
        assert report.address == f"{box.name}@127.0.0.1:{sim_server.port}"
        assert report.result("claude").found == box.generation
        if box.name in ("cyberdyne-01", "tyrell-edge", "oceanic-tiny"):
            continue
        expected = dict(all_ok)
        if box.name == "pied-piper":
            expected["default model"] = Status.OK
        if box.name in ("massive-dyn", "aperture-sci"):
            expected["gateway"] = Status.WARN
        assert statuses(report) == expected, box.name
        assert report.result("token expiry").found == "no Claude token stored yet"
        assert report.result("node").found == box.node_version
        assert report.result("openclaw").found == "2026.9.6"
        assert report.result("memory").found == "3.8 GiB (3936 MiB)"


async def test_low_memory_box_fails(extra_server: SimServer) -> None:
    report = await check_box(_box(extra_server, "one-gig"))
    memory = report.result("memory")
    assert (memory.status, memory.found) == (Status.FAIL, "0.9 GiB (966 MiB)")
    assert memory.advice == (
        "npm installs are OOM-killed below 2 GB: move one-gig to a bigger plan (2 GB or more) "
        "or add swap."
    )
    assert report.status is Status.FAIL


async def test_claude_installed_by_npm_but_not_on_path(extra_server: SimServer) -> None:
    report = await check_box(_box(extra_server, "no-claude"))
    claude = report.result("claude")
    assert (claude.status, claude.found) == (
        Status.FAIL,
        "@anthropic-ai/claude-code@2.1.332, not on PATH",
    )
    assert "no `claude` command is on the PATH" in claude.advice
    assert statuses(report)["openclaw"] is Status.OK


async def test_openclaw_that_does_not_run(extra_server: SimServer) -> None:
    report = await check_box(_box(extra_server, "broken-openclaw"))
    openclaw = report.result("openclaw")
    assert (openclaw.status, openclaw.found) == (Status.FAIL, "installed, does not run")
    assert "`openclaw --version` failed on broken-openclaw (exit 1: openclaw: Node.js" in (
        openclaw.advice
    )
    assert "npm install -g openclaw@latest" in openclaw.advice


async def test_memory_from_proc_meminfo_when_free_fails(extra_server: SimServer) -> None:
    report = await check_box(_box(extra_server, "free-fails"))
    meminfo = parse_meminfo_total(Path("/proc/meminfo").read_text())
    assert meminfo is not None
    assert report.result("memory").found == checks.format_memory(meminfo)


async def test_a_hung_program_costs_one_check(
    extra_server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "PROBE_TIMEOUT", 1)
    report = await check_box(_box(extra_server, "hung-claude"))
    claude = report.result("claude")
    assert (claude.status, claude.found) == (Status.UNKNOWN, "no answer within 1 s")
    assert "`claude --version` hung on hung-claude" in claude.advice
    # (The OpenClaw state checks are left out: a 1 s probe limit is too short for them.)
    base = {name: status for name, status in statuses(report).items() if name in BASE_CHECKS}
    assert base == {**dict.fromkeys(BASE_CHECKS, Status.OK), "claude": Status.UNKNOWN}
    # The box's `timeout` stopped it: nothing is left running there.
    pid = int((extra_server.home("hung-claude") / "claude.pid").read_text())
    await wait_for(lambda: not process_alive(pid), timeout=5, what="the hung claude to be stopped")


@pytest.mark.slow
async def test_whole_check_is_bounded_by_its_timeout(
    extra_server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "PROBE_TIMEOUT", 3)
    started = time.monotonic()
    report = await check_box(_box(extra_server, "hung-claude"), timeout=1.0)
    assert time.monotonic() - started < 2.5
    reachable = report.result("reachable")
    assert (reachable.status, reachable.found) == (Status.FAIL, "ssh ok, checks did not run")
    assert reachable.advice.startswith("Connected to hung-claude, but the checks could not run")
    assert "did not finish within" in reachable.advice
    assert {result.status for result in report.results[1:]} == {Status.UNKNOWN}
    pid = int((extra_server.home("hung-claude") / "claude.pid").read_text())
    await wait_for(lambda: not process_alive(pid), timeout=5, what="the hung claude to be stopped")


async def test_unreachable_box_fails_fast_and_others_still_checked(
    extra_server: SimServer,
) -> None:
    good = _box(extra_server, "fine")
    gone = Box(
        name="gone",
        host="127.0.0.1",
        user="ubuntu",
        port=_closed_port(),
        key=extra_server.client_key,
        known_hosts=extra_server.known_hosts,
    )
    started = time.monotonic()
    reports = await check_boxes([gone, good])
    assert time.monotonic() - started < 3
    unreachable, fine = reports
    assert statuses(unreachable) == {
        "reachable": Status.FAIL,
        **dict.fromkeys(checks.CHECK_NAMES[1:], Status.UNKNOWN),
    }
    reachable = unreachable.result("reachable")
    assert reachable.found == "no"
    assert "Cannot reach box gone" in reachable.advice and "refused" in reachable.advice
    assert fine.status is Status.OK


async def test_a_box_that_never_answers_is_bounded_by_the_timeout(tmp_path: Path) -> None:
    # A TCP port that accepts and then says nothing (no SSH banner), as a firewall black hole.
    writers: list[asyncio.StreamWriter] = []
    server = await asyncio.start_server(
        lambda reader, writer: writers.append(writer), "127.0.0.1", 0
    )
    try:
        port = server.sockets[0].getsockname()[1]
        box = Box(name="silent", host="127.0.0.1", port=port, known_hosts=tmp_path / "known")
        started = time.monotonic()
        report = await check_box(box, timeout=0.5)
        assert time.monotonic() - started < 2
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()
    reachable = report.result("reachable")
    assert reachable.status is Status.FAIL
    assert "silent" in reachable.advice and "no answer within 0.5 s" in reachable.advice


@pytest.mark.parametrize("case", ["unknown host key", "changed host key", "wrong user"])
async def test_ssh_refusals_become_results(
    extra_server: SimServer, tmp_path: Path, case: str
) -> None:
    box = _box(extra_server, "fine")
    known_hosts = tmp_path / "known_hosts"
    if case == "unknown host key":
        known_hosts.write_text("")
        box = dataclasses.replace(box, known_hosts=known_hosts)
    elif case == "changed host key":
        other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
        known_hosts.write_text(f"[127.0.0.1]:{extra_server.port} {other}")
        box = dataclasses.replace(box, known_hosts=known_hosts)
    else:
        box = dataclasses.replace(box, user="nobody-here")
    report = await check_box(box)
    reachable = report.result("reachable")
    assert reachable.status is Status.FAIL
    assert {result.status for result in report.results[1:]} == {Status.UNKNOWN}
    assert "box fine" in reachable.advice
    if case == "unknown host key":
        assert extra_server.host_key_fingerprint in reachable.advice
        assert "--accept-new-host-key" in reachable.advice
        assert known_hosts.read_text() == ""  # never accepted by a check
    elif case == "changed host key":
        assert "CHANGED" in reachable.advice
    else:
        assert "refused every key" in reachable.advice


async def test_concurrency_is_limited_and_order_kept(extra_server: SimServer) -> None:
    active = 0
    most = 0

    async def counting_connect(box: Box, **options: Any) -> SshConnection:
        nonlocal active, most
        active += 1
        most = max(most, active)
        try:
            return await connect(box, **options)
        finally:
            active -= 1

    names = ["fine", "node22", "one-gig", "free-fails"]
    boxes = [_box(extra_server, name) for name in names]
    reports = await check_boxes(boxes, concurrency=2, connect=counting_connect)
    assert [report.box for report in reports] == names
    assert most == 2
    with pytest.raises(ValueError):
        await check_boxes(boxes, concurrency=0)


# --------------------------------------------------------------------------- the report


async def test_cli_report_ready_with_warning_exits_0(extra_server: SimServer) -> None:
    out = io.StringIO()
    status = await run_checks_cli([_box(extra_server, "fine"), _box(extra_server, "node22")], out)
    assert status == 0
    lines = out.getvalue().splitlines()
    port = extra_server.port
    assert lines[0] == f"fine (fine@127.0.0.1:{port}): ready"
    assert lines[1:9] == [
        "  ✓ reachable      ssh ok",
        "  ✓ node           v24.21.0",
        "  ✓ claude         2.1.332",
        "  ✓ openclaw       2026.9.6",
        "  ✓ memory         3.8 GiB (3936 MiB)",
        "  ✓ default model  anthropic/claude-sonnet-4-6",
        "  ✓ gateway        running (service)",
        "  ✓ token expiry   no Claude token stored yet",
    ]
    assert lines[10] == f"node22 (node22@127.0.0.1:{port}): ready, with 1 warning"
    warning = lines[12]
    assert warning.startswith("  ! node           v22.22.3 ")
    # Aligned: advice starts two columns after the box's longest "found" (the model's).
    assert lines[16] == "  ✓ default model  anthropic/claude-sonnet-4-6"
    advice = warning.index("OpenClaw 2026.9.x needs Node >= 24.16; 2026.9.2 is the last")
    assert advice == len(lines[16]) + 2
    assert lines[-1] == "2 of 2 boxes ready"


async def test_cli_report_exits_1_when_a_box_needs_attention(sim_server: SimServer) -> None:
    boxes = [_box(sim_server, "acme-prod"), _box(sim_server, "cyberdyne-01")]
    out = io.StringIO()
    assert await run_checks_cli(boxes, out) == 1
    text = out.getvalue()
    assert f"cyberdyne-01 (cyberdyne-01@127.0.0.1:{sim_server.port}): needs attention\n" in text
    assert re.search(
        r"^  ✗ openclaw       0\.0\.1 \(empty placeholder\) +openclaw 0\.0\.1 is", text, re.M
    )
    assert re.search(
        r"^  ✗ node           v20\.19\.5 +Node v20\.19\.5 on cyberdyne-01 is too old", text, re.M
    )
    assert text.endswith("\n1 of 2 boxes ready; need attention: cyberdyne-01\n")


async def test_cli_report_on_an_ascii_terminal(extra_server: SimServer) -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    status = await run_checks_cli([_box(extra_server, "broken-openclaw")], out)
    out.flush()
    text = raw.getvalue().decode("ascii")
    assert status == 1
    assert "  + reachable      ssh ok" in text
    assert "  x openclaw       installed, does not run" in text


async def test_cli_with_no_boxes() -> None:
    out = io.StringIO()
    assert await run_checks_cli([], out) == 0
    assert out.getvalue() == "No boxes to check: the inventory is empty.\n"


async def _clawtui(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clawtui",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


@pytest.mark.slow
async def test_command_line_check_all(sim_server: SimServer, tmp_path: Path) -> None:
    inventory = tmp_path / "boxes.toml"
    sim_server.write_inventory(inventory)
    status, stdout, stderr = await _clawtui("check", "--all", "--inventory", str(inventory))
    assert (status, stderr) == (1, "")
    headers = [line for line in stdout.splitlines() if line and not line.startswith(" ")]
    port = sim_server.port
    assert headers[: len(DEMO_BOXES)] == [
        f"{box.name} ({box.name}@127.0.0.1:{port}): {_demo_verdict(box.name)}" for box in DEMO_BOXES
    ]
    attention = [box.name for box in DEMO_BOXES if _demo_verdict(box.name) == "needs attention"]
    ready = len(DEMO_BOXES) - len(attention)
    assert stdout.endswith(
        f"\n{ready} of {len(DEMO_BOXES)} boxes ready; need attention: {', '.join(attention)}\n"
    )
    assert "Traceback" not in stdout


async def test_command_line_check_one_box(sim_server: SimServer, tmp_path: Path) -> None:
    inventory = tmp_path / "boxes.toml"
    sim_server.write_inventory(inventory)
    status, stdout, stderr = await _clawtui("check", "acme-prod", "--inventory", str(inventory))
    assert (status, stderr) == (0, "")
    assert stdout.splitlines()[0] == (
        f"acme-prod (acme-prod@127.0.0.1:{sim_server.port}): ready, with 1 warning"
    )
    assert "! default model  openai/gpt-6-astra (not Claude)" in stdout
    assert len(stdout.splitlines()) == 1 + len(checks.CHECK_NAMES)


def test_checks_import_no_textual() -> None:
    code = "import sys, clawtui.checks; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
