"""The demo's SSH server (clawtui.sim.server) and its fleet (clawtui.sim.boxes).

A real server on 127.0.0.1 port 0, reached with clawtui's own client.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import asyncssh
import pytest

from clawtui.errors import UnreachableError
from clawtui.inventory import find_box, load_inventory
from clawtui.sim.boxes import DEMO_BOXES, SimBox
from clawtui.sim.config import CONFIG_NAME, SCENARIOS, SimConfig
from clawtui.sim.server import SimServer
from clawtui.ssh import Disconnected, Exited, Output, connect
from tests.conftest import TEST_TIME_SCALE, process_alive, wait_for


def test_every_failure_scenario_has_a_demo_box_and_both_generations_work() -> None:
    scenarios = {box.scenario for box in DEMO_BOXES}
    assert scenarios == set(SCENARIOS)
    happy = [box for box in DEMO_BOXES if box.scenario == "happy"]
    assert {box.generation for box in happy} == {"2.1.197", "2.1.332"}
    assert len({box.name for box in DEMO_BOXES}) == len(DEMO_BOXES)
    assert all(box.customer for box in DEMO_BOXES)


def test_a_simbox_refuses_knobs_that_do_not_exist() -> None:
    with pytest.raises(ValueError, match="token_lenght"):
        SimBox("x", "X", settings={"token_lenght": 90})
    with pytest.raises(ValueError, match="scenario"):
        SimBox("x", "X", scenario="sunny")


async def test_the_inventory_round_trips_through_load_inventory(
    sim_server: SimServer, tmp_path: Path
) -> None:
    path = tmp_path / "boxes.toml"
    sim_server.write_inventory(path)
    boxes = load_inventory(path)
    assert boxes == sim_server.inventory_boxes()
    assert [box.name for box in boxes] == [box.name for box in DEMO_BOXES]
    acme = find_box(boxes, "acme-prod")
    assert (acme.host, acme.port, acme.user) == ("127.0.0.1", sim_server.port, "acme-prod")
    assert (acme.key, acme.known_hosts) == (sim_server.client_key, sim_server.known_hosts)
    assert acme.customer == "Acme Inc"
    # And every box in it can be reached with what the file says.
    async with await connect(find_box(boxes, "oceanic-tiny")) as connection:
        assert (await connection.run("echo $USER")).stdout == "ubuntu\n"


async def test_keys_and_known_hosts_are_private(sim_server: SimServer) -> None:
    for path in (sim_server.client_key, sim_server.host_key_path, sim_server.known_hosts):
        assert path.stat().st_mode & 0o777 == 0o600, path
    line = sim_server.known_hosts.read_text()
    assert line.startswith(f"[127.0.0.1]:{sim_server.port} ssh-ed25519 ")
    host_key = asyncssh.import_public_key(line.split(maxsplit=1)[1])
    assert host_key.get_fingerprint("sha256") == sim_server.host_key_fingerprint


async def test_each_box_has_a_home_with_its_sim_config(sim_server: SimServer) -> None:
    secrets = set()
    for box in DEMO_BOXES:
        home = sim_server.home(box.name)
        assert (home / CONFIG_NAME).is_file()
        config = SimConfig.load(home)
        assert (config.box, config.generation, config.scenario) == (
            box.name,
            box.generation,
            box.scenario,
        )
        assert (config.node_version, config.mem_total_mb) == (box.node_version, box.mem_total_mb)
        assert config.time_scale == TEST_TIME_SCALE
        assert config.signin_base == sim_server.signin_base
        secrets.add(config.secret)
    assert len(secrets) == 1 and "" not in secrets
    assert sim_server.signin_base.startswith("http://127.0.0.1:")
    assert not sim_server.signin_base.endswith(":0")
    oceanic = SimConfig.load(sim_server.home("oceanic-tiny"))
    assert (oceanic.openclaw_version, oceanic.mem_total_mb) == ("2026.9.2", 960)


async def test_a_session_runs_in_the_box_home_with_a_clean_environment(
    sim_server: SimServer,
) -> None:
    box = find_box(sim_server.inventory_boxes(), "globex-web")
    # Straight asyncssh, to send an environment variable clawtui never sends.
    async with asyncssh.connect(
        "127.0.0.1",
        sim_server.port,
        username="globex-web",
        client_keys=[str(box.key)],
        known_hosts=str(box.known_hosts),
        config=None,
        agent_path=None,
    ) as connection:
        result = await connection.run("pwd; env", env={"LEAKED": "yes"}, check=True)
    lines = str(result.stdout).splitlines()
    home = str(sim_server.home("globex-web"))
    assert lines[0] == home
    env = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    assert env["HOME"] == home
    assert env["USER"] == env["LOGNAME"] == "ubuntu"
    assert env["SHELL"] == "/bin/bash" and env["LANG"] == "C.UTF-8"
    assert env["PATH"].split(":")[0] == str(sim_server.bin_dir("globex-web"))
    assert "LEAKED" not in env
    assert "TERM" not in env  # no terminal asked for


async def test_the_login_shell_prompt_names_the_box(sim_server: SimServer) -> None:
    box = find_box(sim_server.inventory_boxes(), "initech-bot")
    async with await connect(box) as connection:
        process = await connection.open_pty(None, columns=80, lines=24, term_type="xterm")
        output = b""
        process.write(b'echo "TERM=$TERM"; exit\r')
        async for event in process.events():
            if isinstance(event, Output):
                output += event.data
            else:
                assert event == Exited(0, None)
    assert b"ubuntu@initech-bot:~" in output
    assert b"\rTERM=xterm\r\n" in output


@pytest.mark.parametrize("box_name", [box.name for box in DEMO_BOXES])
async def test_bin_wrappers_exist_per_scenario(sim_server: SimServer, box_name: str) -> None:
    box = sim_server.boxes[box_name]
    bin_dir = sim_server.bin_dir(box_name)
    expected = {"claude", "node", "npm", "free"} | ({"openclaw"} if box.has_openclaw else set())
    assert {path.name for path in bin_dir.iterdir()} == expected
    for name in expected:
        wrapper = bin_dir / name
        assert os.access(wrapper, os.X_OK)
        text = wrapper.read_text()
        assert text.startswith("#!/bin/sh\n") and sys.executable in text
        assert "-m clawtui.sim." in text


async def test_openclaw_is_missing_on_the_boxes_that_lack_it(sim_server: SimServer) -> None:
    found = {}
    for name in ("acme-prod", "tyrell-edge", "cyberdyne-01"):
        box = find_box(sim_server.inventory_boxes(), name)
        async with await connect(box) as connection:
            found[name] = await connection.run("command -v openclaw")
    assert found["acme-prod"].stdout.strip() == str(sim_server.bin_dir("acme-prod") / "openclaw")
    assert found["tyrell-edge"].exit_status != 0 and found["tyrell-edge"].stdout == ""
    assert found["cyberdyne-01"].exit_status != 0 and found["cyberdyne-01"].stdout == ""


async def test_stop_leaves_no_program_running(tmp_path: Path) -> None:
    server = SimServer(tmp_path / "sim", time_scale=TEST_TIME_SCALE)
    await server.start()
    try:
        box = find_box(server.inventory_boxes(), "acme-prod")
        connection = await connect(box)
        # A program in a PTY that started another in the background...
        in_pty = await connection.open_pty("sleep 300 & echo $! $$; wait", columns=80, lines=24)
        # ...one that ignores the hangup...
        stubborn = await connection.open_pty(
            "exec sh -c 'trap \"\" HUP; echo $$; while :; do sleep 1; done'",
            columns=80,
            lines=24,
        )
        # ...and the shell of a box without a PTY.
        wayne = await connect(find_box(server.inventory_boxes(), "wayne-archive"))
        no_pty = await wayne.open_pty("echo $$; exec sleep 300", columns=80, lines=24)
        pids: list[int] = []
        for process in (in_pty, stubborn, no_pty):
            output = b""
            async for event in process.events():
                assert isinstance(event, Output)
                output += event.data
                if output.endswith(b"\n"):
                    break
            pids += [int(word) for word in output.split()]
        assert len(pids) == 4 and all(process_alive(pid) for pid in pids)
    finally:
        await server.stop()
    await wait_for(
        lambda: not any(process_alive(pid) for pid in pids), 5, f"programs {pids} to end"
    )
    assert server.paused_sessions == 0


async def test_stop_closes_both_ports_and_can_be_called_again(tmp_path: Path) -> None:
    async with SimServer(tmp_path / "sim", time_scale=TEST_TIME_SCALE) as server:
        box = find_box(server.inventory_boxes(), "acme-prod")
        signin_port = int(server.signin_base.rsplit(":", 1)[1])
    await server.stop()
    with pytest.raises(UnreachableError, match="refused"):
        await connect(box, connect_timeout=5)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", signin_port), timeout=5).close()


async def test_the_drop_after_token_box_drops_right_after_the_token(sim_server: SimServer) -> None:
    """The whole scenario with the simulated `claude` and the customer's page."""
    box = find_box(sim_server.inventory_boxes(), "soylent-db")
    connection = await connect(box)
    process = await connection.open_pty(box.setup_token_command, columns=80, lines=24)
    output = b""
    code_sent = False
    end = None
    async for event in process.events():
        if not isinstance(event, Output):
            end = event
            break
        output += event.data
        state = re.search(rb"state=([A-Za-z0-9_-]{43})", output)
        if state and "╯".encode() in output and not code_sent:  # the prompt box is drawn
            process.write(sim_server.signin_page.code_for(state.group(1).decode()).encode())
            process.write(b"\r")
            code_sent = True
    assert isinstance(end, Disconnected)
    assert b"sk-ant-oat01-" in output and b"again." in output
    assert connection.closed


@pytest.mark.slow
async def test_clawtui_sim_serves_the_fleet_and_stops_clean(tmp_path: Path) -> None:
    """`clawtui sim --dir`: an inventory and known_hosts for the fleet; Ctrl-C stops it all."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clawtui",
        "sim",
        "--dir",
        str(tmp_path),
        "--time-scale",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(20):
            while not lines or "Press Ctrl-C" not in lines[-1]:
                lines.append((await process.stdout.readline()).decode())
        inventory = tmp_path / "boxes.toml"
        assert f"Inventory:   {inventory}" in "".join(lines)
        boxes = load_inventory(inventory)
        assert {box.name for box in boxes} == {box.name for box in DEMO_BOXES}
        assert all(box.known_hosts.read_text().startswith("[127.0.0.1]:") for box in boxes)
        box = boxes[0]
        async with await connect(box) as connection:
            result = await connection.run("echo $HOME")
        assert result.stdout.strip().endswith(f"homes/{box.name}")
    finally:
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(20):
            status = await process.wait()
    assert status == 0
