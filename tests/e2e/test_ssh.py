"""The SSH session (clawtui.ssh) against the simulated boxes' real SSH server on 127.0.0.1.

Real asyncssh on both sides, real PTYs on the "box"; nothing mocked.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import secrets
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from clawtui.errors import (
    AuthenticationError,
    CommandNotFoundError,
    DisconnectedError,
    HostKeyChangedError,
    HostKeyUnknownError,
    SshError,
    UnreachableError,
)
from clawtui.inventory import Box, find_box
from clawtui.sim.boxes import SimBox
from clawtui.sim.server import SimServer
from clawtui.ssh import (
    RECEIVE_WINDOW,
    CommandResult,
    Disconnected,
    Exited,
    Output,
    ProcessEvent,
    PtyProcess,
    SshConnection,
    command_not_found,
    connect,
)
from tests.conftest import TEST_TIME_SCALE, process_alive, wait_for

# Output of a flood the box wrote and the consumer has not taken yet may be in the client (up
# to about twice the channel's window), on the way, or in the box's terminal and SSH buffers.
FLOOD_BOUND = 4 * RECEIVE_WINDOW


class Screen:
    """Collects a PtyProcess's events in the background, as a pane would."""

    def __init__(self, process: PtyProcess) -> None:
        self.process = process
        self.output = b""
        self.end: Exited | Disconnected | None = None
        self._task = asyncio.get_running_loop().create_task(self._collect())

    async def _collect(self) -> None:
        async for event in self.process.events():
            if isinstance(event, Output):
                self.output += event.data
            else:
                self.end = event

    async def wait_output(self, text: bytes, timeout: float = 5.0) -> None:
        await wait_for(lambda: text in self.output, timeout, f"{text!r} in {self.output!r}")

    async def wait_end(self, timeout: float = 5.0) -> Exited | Disconnected:
        await asyncio.wait_for(asyncio.shield(self._task), timeout)
        assert self.end is not None
        return self.end


@pytest.fixture
async def conn(sim_box: Box) -> AsyncIterator[SshConnection]:
    connection = await connect(sim_box)
    yield connection
    await connection.close()


async def run_in_pty(
    conn: SshConnection, command: str, columns: int = 80, lines: int = 24
) -> tuple[bytes, Exited | Disconnected]:
    screen = Screen(await conn.open_pty(command, columns=columns, lines=lines))
    end = await screen.wait_end()
    return screen.output, end


# ------------------------------------------------------------------------------ programs in PTYs


async def test_pty_shows_output_and_has_the_requested_size(conn: SshConnection) -> None:
    output, end = await run_in_pty(conn, "echo started; stty size", columns=100, lines=30)
    assert output == b"started\r\n30 100\r\n"
    assert end == Exited(0, None)


async def test_resize_reaches_a_running_program(conn: SshConnection) -> None:
    screen = Screen(await conn.open_pty("echo ready; read line; stty size", columns=80, lines=24))
    await screen.wait_output(b"ready\r\n")
    screen.process.resize(132, 43)
    screen.process.write(b"\r")
    assert await screen.wait_end() == Exited(0, None)
    assert screen.output.endswith(b"43 132\r\n")


async def test_resize_sends_sigwinch_to_the_program(conn: SshConnection) -> None:
    # Only a program whose controlling terminal is the PTY gets SIGWINCH.
    command = "bash -c 'trap \"stty size\" WINCH; echo ready; while :; do sleep 0.02; done'"
    screen = Screen(await conn.open_pty(command, columns=80, lines=24))
    await screen.wait_output(b"ready\r\n")
    screen.process.resize(90, 33)
    await screen.wait_output(b"33 90\r\n")
    await screen.process.close()
    assert isinstance(await screen.wait_end(), Exited)


async def test_typing_into_the_login_shell(conn: SshConnection) -> None:
    screen = Screen(await conn.open_pty(None, columns=80, lines=24))
    await screen.wait_output(b"ubuntu@acme-prod:~")
    screen.process.write(b"echo hello\r")
    await screen.wait_output(b"echo hello\r\n")  # the terminal echoes what was typed
    await screen.wait_output(b"\rhello\r\n")  # and the output on a line of its own
    screen.process.write(b"exit 7\r")
    assert await screen.wait_end() == Exited(7, None)
    # bash found its terminal as a real login would: job control works.
    assert b"no job control" not in screen.output


async def test_exit_status_is_reported(conn: SshConnection) -> None:
    assert (await run_in_pty(conn, "exit 3"))[1] == Exited(3, None)


async def test_a_program_killed_by_a_signal_reports_it(conn: SshConnection) -> None:
    assert (await run_in_pty(conn, "kill -TERM $$"))[1] == Exited(None, "TERM")


async def test_missing_program_exits_127_and_the_error_names_it(
    conn: SshConnection, sim_box: Box
) -> None:
    command = "LANG=C FOO=1 no-such-tool --version"
    output, end = await run_in_pty(conn, command)
    assert end == Exited(127, None)
    error = command_not_found(command, sim_box)
    assert isinstance(error, CommandNotFoundError)
    assert error.command == "no-such-tool"
    assert "`no-such-tool` is not installed on acme-prod" in str(error)
    assert "FOO" not in str(error)


async def test_missing_openclaw_tells_how_to_install_it(sim_server: SimServer) -> None:
    box = find_box(sim_server.inventory_boxes(), "tyrell-edge")  # scenario openclaw_missing
    async with await connect(box) as connection:
        command = box.paste_token_command
        result = await connection.run(command)
    assert result.exit_status == 127
    message = str(command_not_found(command, box))
    assert "`openclaw` is not installed on tyrell-edge" in message
    assert "npm install -g openclaw" in message and "Node.js 24.16" in message


async def test_close_hangs_up_on_the_program(conn: SshConnection) -> None:
    screen = Screen(await conn.open_pty("echo $$; exec sleep 300", columns=80, lines=24))
    await wait_for(lambda: screen.output.endswith(b"\r\n"), what="the remote pid")
    pid = int(screen.output.split()[0])
    assert process_alive(pid)
    await screen.process.close()
    await screen.process.close()  # idempotent
    assert isinstance(await screen.wait_end(), Exited)
    await wait_for(lambda: not process_alive(pid), what=f"remote program {pid} to end")
    screen.process.write(b"ignored\r")  # a finished terminal takes no input, and no error


async def test_no_pty_box_runs_the_program_without_a_terminal(sim_server: SimServer) -> None:
    box = find_box(sim_server.inventory_boxes(), "wayne-archive")  # scenario no_pty
    async with await connect(box) as connection:
        output, end = await run_in_pty(connection, "tty; echo oops >&2; exit 1")
    assert end == Exited(1, None)
    assert b"not a tty" in output and b"oops" in output


# ------------------------------------------------------------------------------ run()


async def test_run_collects_output_and_status(conn: SshConnection) -> None:
    result = await conn.run("echo out; echo err >&2; exit 5")
    assert result == CommandResult(exit_status=5, stdout="out\n", stderr="err\n")


async def test_run_hands_stdin_to_the_command_and_keeps_it_out_of_reprs(
    conn: SshConnection,
) -> None:
    token = "sk-ant-oat01-" + secrets.token_urlsafe(70)
    result = await conn.run("cat", stdin=token)
    assert result.stdout == token
    assert token not in repr(result)
    assert token.encode() not in repr(Output(token.encode())).encode()


async def test_run_timeout_stops_the_command(conn: SshConnection) -> None:
    started = time.monotonic()
    with pytest.raises(SshError, match="did not finish within 0.3 s") as caught:
        await conn.run("exec sleep 300 # SECRET-ARGUMENT", timeout=0.3)
    assert time.monotonic() - started < 3
    assert "SECRET-ARGUMENT" not in str(caught.value)  # only the program is named
    assert "`sleep`" in str(caught.value)
    # The connection stays usable.
    assert (await conn.run("echo still here")).stdout == "still here\n"


# ------------------------------------------------------------------------------ host keys


def box_with_known_hosts(box: Box, known_hosts: Path) -> Box:
    return dataclasses.replace(box, known_hosts=known_hosts)


async def test_unknown_host_key_is_reported_with_its_fingerprint(
    sim_server: SimServer, sim_box: Box, tmp_path: Path
) -> None:
    known_hosts = tmp_path / "ssh" / "known_hosts"  # neither the file nor its folder exist
    box = box_with_known_hosts(sim_box, known_hosts)
    with pytest.raises(HostKeyUnknownError) as caught:
        await connect(box)
    error = caught.value
    assert error.fingerprint == sim_server.host_key_fingerprint
    assert error.fingerprint.startswith("SHA256:")
    assert error.fingerprint in str(error)
    assert (error.host, error.port, error.key_type) == ("127.0.0.1", sim_server.port, "ssh-ed25519")
    assert error.public_key.startswith(b"ssh-ed25519 AAAA")
    assert error.box == "acme-prod"
    assert not known_hosts.exists()


async def test_accepting_the_confirmed_fingerprint_connects_and_records_the_key(
    sim_server: SimServer, sim_box: Box, tmp_path: Path
) -> None:
    known_hosts = tmp_path / "ssh" / "known_hosts"
    box = box_with_known_hosts(sim_box, known_hosts)
    wrong = "SHA256:" + "A" * 43
    with pytest.raises(HostKeyUnknownError, match="not the confirmed"):
        await connect(box, accept_host_key=wrong)
    assert not known_hosts.exists()

    async with await connect(box, accept_host_key=sim_server.host_key_fingerprint) as connection:
        assert (await connection.run("echo in")).stdout == "in\n"
    line = known_hosts.read_text()
    assert line.startswith(f"[127.0.0.1]:{sim_server.port} ssh-ed25519 AAAA")
    assert line == sim_server.known_hosts.read_text()
    assert known_hosts.stat().st_mode & 0o777 == 0o600
    assert known_hosts.parent.stat().st_mode & 0o777 == 0o700
    # Known now: no confirmation needed any more.
    async with await connect(box) as connection:
        assert not connection.closed


async def test_changed_host_key_is_refused(
    sim_server: SimServer, sim_box: Box, tmp_path: Path
) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{sim_server.port} {other}")
    box = box_with_known_hosts(sim_box, known_hosts)
    for accept in (None, sim_server.host_key_fingerprint):  # no override, even when "accepted"
        with pytest.raises(HostKeyChangedError, match="CHANGED") as caught:
            await connect(box, accept_host_key=accept)
        assert caught.value.fingerprint == sim_server.host_key_fingerprint
        assert "ssh-keygen -R" in str(caught.value)
    assert known_hosts.read_text() == f"[127.0.0.1]:{sim_server.port} {other}"


async def test_a_known_hosts_file_edited_between_connections_is_read_again(
    sim_server: SimServer, sim_box: Box, tmp_path: Path
) -> None:
    # Parsed files are kept between connections (a batch shares one): an edit must still count,
    # even one that keeps the file's size, as replacing a key by another of its type does.
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(sim_server.known_hosts.read_text())
    box = box_with_known_hosts(sim_box, known_hosts)
    async with await connect(box) as connection:
        assert not connection.closed
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    changed = f"[127.0.0.1]:{sim_server.port} {other}"
    assert len(changed) == len(known_hosts.read_text())
    known_hosts.write_text(changed)
    with pytest.raises(HostKeyChangedError, match="CHANGED"):
        await connect(box)
    known_hosts.write_text(sim_server.known_hosts.read_text())  # the operator put it back
    async with await connect(box) as connection:
        assert not connection.closed


async def test_a_host_key_of_another_type_on_record_is_refused(
    sim_server: SimServer, sim_box: Box, tmp_path: Path
) -> None:
    # The box used to have an RSA key on record; now it offers only ed25519.
    other = asyncssh.generate_private_key("ssh-rsa", key_size=2048).export_public_key().decode()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{sim_server.port} {other}")
    with pytest.raises(HostKeyChangedError, match="type of host key"):
        await connect(box_with_known_hosts(sim_box, known_hosts))


# ------------------------------------------------------------------------------ authentication


async def test_a_key_the_box_does_not_know_is_refused(sim_box: Box, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger_key"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(stranger))
    with pytest.raises(AuthenticationError, match="refused every key") as caught:
        await connect(dataclasses.replace(sim_box, key=stranger))
    assert str(stranger) in str(caught.value)


async def test_an_unknown_user_is_refused(sim_box: Box) -> None:
    with pytest.raises(AuthenticationError, match="'nobody'"):
        await connect(dataclasses.replace(sim_box, user="nobody"))


async def test_a_missing_key_file_is_named(sim_box: Box, tmp_path: Path) -> None:
    missing = tmp_path / "gone.pem"
    with pytest.raises(AuthenticationError, match="does not exist"):
        await connect(dataclasses.replace(sim_box, key=missing))


async def test_ssh_agent_keys_are_tried_as_well_as_the_key_file(
    sim_server: SimServer, sim_box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    socket_path = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket_path)], stdout=subprocess.DEVNULL)
    try:
        await wait_for(socket_path.exists, what="ssh-agent's socket")
        env = {**os.environ, "SSH_AUTH_SOCK": str(socket_path)}
        subprocess.run(
            ["ssh-add", "-q", str(sim_server.client_key)], env=env, check=True, timeout=10
        )
        monkeypatch.setenv("SSH_AUTH_SOCK", str(socket_path))
        stranger = tmp_path / "stranger_key"
        asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(stranger))
        # No key in the inventory: the agent's key gets in. A wrong key file: the agent's too.
        for key in (None, stranger):
            box = dataclasses.replace(sim_box, key=key)
            async with await connect(box) as connection:
                assert (await connection.run("echo $HOME")).stdout.endswith("/acme-prod\n")
    finally:
        agent.terminate()
        agent.wait(timeout=10)


# ------------------------------------------------------------------------------ reaching the box


async def test_a_closed_port_is_unreachable_at_once(sim_box: Box) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(UnreachableError, match="refused") as caught:
        await connect(dataclasses.replace(sim_box, port=free_port), connect_timeout=5)
    assert time.monotonic() - started < 5
    assert f"127.0.0.1:{free_port}" in str(caught.value) and "acme-prod" in str(caught.value)


async def test_a_box_that_never_answers_times_out(sim_box: Box) -> None:
    # The kernel completes the TCP handshake on a listening socket nobody accepts from:
    # a box whose SSH server hangs.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        box = dataclasses.replace(sim_box, port=silent.getsockname()[1])
        started = time.monotonic()
        with pytest.raises(UnreachableError, match="no answer within 0.5 s"):
            await connect(box, connect_timeout=0.5)
        assert time.monotonic() - started < 3


async def test_a_host_alias_from_the_ssh_config_works(
    sim_server: SimServer, tmp_path: Path
) -> None:
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host acme\n"
        "    HostName 127.0.0.1\n"
        f"    Port {sim_server.port}\n"
        "    User acme-prod\n"
        f"    IdentityFile {sim_server.client_key}\n"
    )
    box = Box(name="acme", host="acme", known_hosts=sim_server.known_hosts)
    async with await connect(box, ssh_config=config) as connection:
        assert connection.address == f"acme-prod@127.0.0.1:{sim_server.port}"
        assert (await connection.run("echo $HOME")).stdout.endswith("/homes/acme-prod\n")


async def test_the_inventory_overrides_the_ssh_config(
    sim_server: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host globex\n"
        "    HostName 127.0.0.1\n"
        "    Port 1\n"
        "    User nobody\n"
        f"    IdentityFile {tmp_path / 'no-such-key'}\n"
    )
    monkeypatch.setenv("CLAWTUI_SSH_CONFIG", str(config))  # the way the app is pointed at one
    box = Box(
        name="globex",
        host="globex",
        user="globex-web",
        port=sim_server.port,
        key=sim_server.client_key,
        known_hosts=sim_server.known_hosts,
    )
    async with await connect(box) as connection:
        assert (await connection.run("echo $HOME")).stdout.endswith("/homes/globex-web\n")


async def test_the_default_user_is_ubuntu(tmp_path: Path) -> None:
    boxes = [SimBox("ubuntu", "Canonical")]
    async with SimServer(tmp_path / "sim", boxes, time_scale=TEST_TIME_SCALE) as server:
        box = dataclasses.replace(server.inventory_boxes()[0], user=None)
        async with await connect(box) as connection:
            assert connection.address == f"ubuntu@127.0.0.1:{server.port}"
            assert (await connection.run("echo $HOME")).stdout.endswith("/homes/ubuntu\n")


# ------------------------------------------------------------------------------ dropped links


@pytest.mark.parametrize(
    "printed",
    [
        r"Store this token securely. You won't be able to see it again.\r\n",
        # as claude lays it out: cursor moves between the words
        r"\033[2GYou\033[6Gwon't\033[12Gbe\033[15Gable\033[20Gto\033[23Gsee\033[27Git"
        r"\033[30Gagain.\r\n",
    ],
)
async def test_a_dropped_connection_ends_the_program_with_disconnected(
    sim_server: SimServer, printed: str
) -> None:
    box = find_box(sim_server.inventory_boxes(), "soylent-db")  # scenario drop_after_token
    connection = await connect(box)
    command = f"printf {shlex.quote(printed)}; exec cat"
    screen = Screen(await connection.open_pty(command, columns=80, lines=24))
    end = await screen.wait_end()
    assert isinstance(end, Disconnected)
    assert "soylent-db" in end.reason and "lost" in end.reason
    assert b"again." in screen.output  # the chunk that carried it arrived first
    assert connection.closed
    assert connection.disconnect_reason == end.reason
    with pytest.raises(DisconnectedError, match="soylent-db"):
        await connection.run("true")
    with pytest.raises(DisconnectedError):
        await connection.open_pty(None, columns=80, lines=24)
    await connection.close()  # still fine to call


async def test_the_box_going_away_ends_the_program_with_disconnected(
    sim_server: SimServer, conn: SshConnection
) -> None:
    screen = Screen(await conn.open_pty("echo up; exec cat", columns=80, lines=24))
    await screen.wait_output(b"up\r\n")
    await sim_server.stop()
    end = await screen.wait_end()
    assert isinstance(end, Disconnected)
    assert "acme-prod" in end.reason
    with pytest.raises(DisconnectedError):
        await conn.run("true")


# ------------------------------------------------------------------------------ back-pressure


async def test_a_flood_read_slowly_stays_bounded(
    sim_server: SimServer, conn: SshConnection, tmp_path: Path
) -> None:
    total = 20_000_000  # far more than the bound below
    # A flood on the box that keeps a note of how much of it it got rid of (and its pid).
    progress = tmp_path / "written"
    flood = (
        "import os\n"
        f"chunk, total, done = b'x' * 16384, {total}, 0\n"
        f"note = os.open({str(progress)!r}, os.O_WRONLY | os.O_CREAT, 0o600)\n"
        "while done < total:\n"
        "    done += os.write(1, chunk[: total - done])\n"
        "    os.pwrite(note, b'%10d %20d' % (os.getpid(), done), 0)\n"
    )
    command = f"exec {shlex.quote(sys.executable)} -c {shlex.quote(flood)}"
    process = await conn.open_pty(command, columns=80, lines=24)
    events = process.events()
    first = await anext(events)
    assert isinstance(first, Output)
    # The consumer stalls: flow control reaches the box, whose program then blocks.
    await wait_for(lambda: sim_server.paused_sessions == 1, 10, "the box to stop reading")

    def written() -> tuple[int, int]:
        pid, done = progress.read_text().split()
        return int(pid), int(done)

    await wait_for(lambda: _state(written()[0]) == "S", 10, "the flood to block on the terminal")
    # What the box wrote and the consumer has not taken (held by the client, in flight, or in
    # the box's buffers) stays bounded, and so does the client's memory.
    held = written()[1] - len(first.data)
    assert 0 < held <= FLOOD_BOUND
    # Then it reads everything, a chunk at a time: nothing lost, never more held than that.
    received = len(first.data)
    peak = held
    end: ProcessEvent | None = None
    async for event in events:
        if isinstance(event, Output):
            assert set(event.data) == {ord("x")}
            received += len(event.data)
            peak = max(peak, written()[1] - received)
        else:
            end = event
    assert end == Exited(0, None)
    assert received == total
    assert peak <= FLOOD_BOUND


def _state(pid: int) -> str:
    """A process's state letter in /proc ("S": sleeping, e.g. blocked on a full terminal)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
