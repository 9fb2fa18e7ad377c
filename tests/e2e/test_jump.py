"""Jump hosts and OpenSSH habits in clawtui.ssh: a box reached through a bastion, with host keys
checked on every hop, and LANG/LC_* sent as OpenSSH's `SendEnv LANG LC_*` does.

Two real loopback servers: the simulated boxes (SimServer) and a bastion (asyncssh, forwarding
TCP connections as `sshd` with AllowTcpForwarding does). Nothing mocked.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from clawtui.errors import (
    AuthenticationError,
    HostKeyChangedError,
    HostKeyUnknownError,
    InventoryError,
    UnreachableError,
)
from clawtui.inventory import Box, load_inventory
from clawtui.sim.server import SimServer
from clawtui.ssh import Output, PtyProcess, connect
from tests.conftest import wait_for

pytestmark = pytest.mark.slow


class Bastion:
    """A loopback SSH server that lets one key in and forwards TCP connections onward,
    counting those it forwarded (so a test knows the box was reached through it)."""

    def __init__(self, authorized: asyncssh.SSHKey, *, forwarding: bool = True) -> None:
        self.forwarding = forwarding
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.authorized = authorized
        self.forwarded: list[tuple[str, int]] = []
        self.logins: list[str] = []
        #: Client connections it has now.
        self.connected = 0
        self.port = 0
        self._acceptor: asyncssh.SSHAcceptor | None = None

    @property
    def fingerprint(self) -> str:
        return self.host_key.get_fingerprint("sha256")

    def known_hosts_line(self, key: asyncssh.SSHKey | None = None) -> str:
        public = (key or self.host_key).export_public_key("openssh").decode().split()
        return f"[127.0.0.1]:{self.port} {public[0]} {public[1]}\n"

    async def __aenter__(self) -> Bastion:
        bastion = self

        class Server(asyncssh.SSHServer):
            username = ""

            def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
                bastion.connected += 1

            def connection_lost(self, exc: Exception | None) -> None:
                bastion.connected -= 1

            def begin_auth(self, username: str) -> bool:
                self.username = username
                return True

            def public_key_auth_supported(self) -> bool:
                return True

            def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
                return key == bastion.authorized

            def auth_completed(self) -> None:
                bastion.logins.append(self.username)

            def connection_requested(
                self, dest_host: str, dest_port: int, orig_host: str, orig_port: int
            ) -> bool:
                if not bastion.forwarding:
                    return False  # as sshd with AllowTcpForwarding no
                bastion.forwarded.append((dest_host, dest_port))
                return True

        self._acceptor = await asyncssh.create_server(
            Server, "127.0.0.1", 0, server_host_keys=[self.host_key], login_timeout=30
        )
        self.port = self._acceptor.get_port()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._acceptor is not None
        self._acceptor.close()
        await self._acceptor.wait_closed()


@pytest.fixture
async def bastion(sim_server: SimServer) -> AsyncIterator[Bastion]:
    # The operator's one key opens the bastion as well as the boxes.
    key = asyncssh.read_public_key(f"{sim_server.client_key}.pub")
    async with Bastion(key) as server:
        yield server


def behind(box: Box, bastion: Bastion, known_hosts: Path, jump: str = "") -> Box:
    return dataclasses.replace(
        box, known_hosts=known_hosts, jump=jump or f"jumper@127.0.0.1:{bastion.port}"
    )


def both_known(sim_server: SimServer, bastion: Bastion, tmp_path: Path) -> Path:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(sim_server.known_hosts.read_text() + bastion.known_hosts_line())
    return known_hosts


async def read_until(process: PtyProcess, text: bytes) -> bytes:
    output = b""
    async with asyncio.timeout(10):
        async for event in process.events():
            if isinstance(event, Output):
                output += event.data
            if text in output:
                break
    return output


async def host_key_dialog_text(error: HostKeyUnknownError) -> str:
    """The words of the TUI's host key dialog for `error`."""
    from textual.app import App
    from textual.widgets import Static

    from clawtui.tui.screens.hostkey import HostKeyScreen

    app: App[None] = App()
    async with app.run_test(size=(120, 40)):
        await app.push_screen(HostKeyScreen(error))
        return " ".join(str(static.render()) for static in app.screen.query(Static))


# ------------------------------------------------------------------------------ through a bastion


async def test_a_shell_through_the_bastion(
    sim_server: SimServer, sim_box: Box, bastion: Bastion, tmp_path: Path
) -> None:
    box = behind(sim_box, bastion, both_known(sim_server, bastion, tmp_path))
    async with await connect(box) as connection:
        process = await connection.open_pty(None, columns=80, lines=24)
        await read_until(process, b"ubuntu@acme-prod:~")
        process.write(b"echo through\r")
        assert b"\rthrough\r\n" in await read_until(process, b"\rthrough\r\n")
        assert (await connection.run("echo $HOME")).stdout.endswith("/acme-prod\n")
    # The box was reached through the bastion, logged in as the jump's user.
    assert bastion.forwarded == [("127.0.0.1", sim_server.port)]
    assert bastion.logins == ["jumper"]


async def test_closing_the_box_connection_closes_the_hop(
    sim_server: SimServer, sim_box: Box, bastion: Bastion, tmp_path: Path
) -> None:
    box = behind(sim_box, bastion, both_known(sim_server, bastion, tmp_path))
    connection = await connect(box)
    assert bastion.connected == 1
    await connection.close()
    # The bastion sees its client go: nothing is left connected to it.
    await wait_for(lambda: bastion.connected == 0, what="the hop to be closed")


async def test_a_changed_bastion_key_is_refused_as_a_box_key_would_be(
    sim_server: SimServer, sim_box: Box, bastion: Bastion, tmp_path: Path
) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519")
    known_hosts = tmp_path / "known_hosts"
    before = sim_server.known_hosts.read_text() + bastion.known_hosts_line(other)
    known_hosts.write_text(before)
    box = behind(sim_box, bastion, known_hosts)
    for accept in (None, bastion.fingerprint):  # no override, even when "accepted"
        with pytest.raises(HostKeyChangedError, match="CHANGED") as caught:
            await connect(box, accept_host_key=accept)
        error = caught.value
        assert (error.host, error.port) == ("127.0.0.1", bastion.port)
        assert error.fingerprint == bastion.fingerprint
        assert f"jump host jumper@127.0.0.1:{bastion.port}" in str(error)
        assert f"ssh-keygen -R '[127.0.0.1]:{bastion.port}'" in str(error)
    assert bastion.forwarded == []  # never got as far as the box
    assert known_hosts.read_text() == before


async def test_an_unknown_bastion_key_is_reported_then_accepted_once_confirmed(
    sim_server: SimServer, sim_box: Box, bastion: Bastion, tmp_path: Path
) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(sim_server.known_hosts.read_text())  # the box known, not the bastion
    box = behind(sim_box, bastion, known_hosts)
    with pytest.raises(HostKeyUnknownError) as caught:
        await connect(box)
    error = caught.value
    assert (error.host, error.port) == ("127.0.0.1", bastion.port)
    assert error.fingerprint == bastion.fingerprint
    assert "jump host" in str(error) and "not known yet" in str(error)
    assert "the jump host's owner" in str(error)
    assert error.jump_host == f"jumper@127.0.0.1:{bastion.port}"
    assert bastion.forwarded == []

    # The TUI's dialog says whose key it is: the bastion's, not the box's.
    dialog_text = await host_key_dialog_text(error)
    assert f"The jump host jumper@127.0.0.1:{bastion.port} on the way to acme-prod" in dialog_text
    assert "Check it with the jump host's owner" in dialog_text
    assert error.fingerprint in dialog_text

    async with await connect(box, accept_host_key=bastion.fingerprint) as connection:
        assert (await connection.run("echo in")).stdout == "in\n"
    assert known_hosts.read_text().endswith(bastion.known_hosts_line())


async def test_bastion_and_box_both_unknown_are_confirmed_one_at_a_time(
    sim_server: SimServer, sim_box: Box, bastion: Bastion, tmp_path: Path
) -> None:
    known_hosts = tmp_path / "known_hosts"
    box = behind(sim_box, bastion, known_hosts)
    with pytest.raises(HostKeyUnknownError) as caught:
        await connect(box)
    assert caught.value.fingerprint == bastion.fingerprint
    # The bastion's confirmed key is taken by the bastion; the box is then asked about as new
    # (not as a key that differs from the one confirmed).
    with pytest.raises(HostKeyUnknownError) as caught:
        await connect(box, accept_host_key=bastion.fingerprint)
    assert caught.value.fingerprint == sim_server.host_key_fingerprint
    assert "box acme-prod" in str(caught.value) and "not known yet" in str(caught.value)
    assert known_hosts.read_text() == bastion.known_hosts_line()
    async with await connect(box, accept_host_key=sim_server.host_key_fingerprint) as connection:
        assert (await connection.run("echo both")).stdout == "both\n"
    assert (
        known_hosts.read_text() == bastion.known_hosts_line() + sim_server.known_hosts.read_text()
    )


async def test_the_box_key_is_checked_behind_the_bastion(
    sim_server: SimServer, sim_box: Box, bastion: Bastion, tmp_path: Path
) -> None:
    # The bastion is known, the box is not: the box's key is what the operator must confirm.
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(bastion.known_hosts_line())
    box = behind(sim_box, bastion, known_hosts)
    with pytest.raises(HostKeyUnknownError) as caught:
        await connect(box)
    assert caught.value.fingerprint == sim_server.host_key_fingerprint
    assert caught.value.port == sim_server.port
    assert "box acme-prod" in str(caught.value)
    assert caught.value.jump_host == ""
    assert bastion.forwarded == [("127.0.0.1", sim_server.port)]
    # The hop opened for nothing is not left behind.
    await wait_for(lambda: bastion.connected == 0, what="the hop to be closed")


async def test_a_bastion_that_refuses_the_key_is_named(
    sim_server: SimServer, sim_box: Box, tmp_path: Path
) -> None:
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    async with Bastion(stranger) as bastion:  # lets in another key than the operator's
        box = behind(sim_box, bastion, both_known(sim_server, bastion, tmp_path))
        with pytest.raises(AuthenticationError) as caught:
            await connect(box)
    message = str(caught.value)
    assert f"jump host jumper@127.0.0.1:{bastion.port}" in message
    assert "refused every key offered for user 'jumper'" in message
    assert "the user in this box's `jump`" in message
    assert bastion.forwarded == []


async def test_a_bastion_that_does_not_forward_is_named(
    sim_server: SimServer, sim_box: Box, tmp_path: Path
) -> None:
    key = asyncssh.read_public_key(f"{sim_server.client_key}.pub")
    async with Bastion(key, forwarding=False) as bastion:
        box = behind(sim_box, bastion, both_known(sim_server, bastion, tmp_path))
        with pytest.raises(UnreachableError, match="refused to forward") as caught:
            await connect(box)
        assert "AllowTcpForwarding" in str(caught.value)
        await wait_for(lambda: bastion.connected == 0, what="the hop to be closed")


async def test_proxyjump_from_the_ssh_config_is_followed_with_host_key_checks(
    sim_server: SimServer, bastion: Bastion, tmp_path: Path
) -> None:
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host acme\n"
        "    HostName 127.0.0.1\n"
        f"    Port {sim_server.port}\n"
        "    User acme-prod\n"
        f"    IdentityFile {sim_server.client_key}\n"
        "    ProxyJump gate\n"
        "Host gate\n"
        "    HostName 127.0.0.1\n"
        f"    Port {bastion.port}\n"
        "    User gatekeeper\n"
        f"    IdentityFile {sim_server.client_key}\n"
    )
    known_hosts = both_known(sim_server, bastion, tmp_path)
    box = Box(name="acme", host="acme", known_hosts=known_hosts)
    async with await connect(box, ssh_config=config) as connection:
        assert (await connection.run("echo $HOME")).stdout.endswith("/acme-prod\n")
    assert bastion.logins == ["gatekeeper"]
    assert bastion.forwarded == [("127.0.0.1", sim_server.port)]

    # The same known_hosts file is the one that vouches for the bastion.
    known_hosts.write_text(sim_server.known_hosts.read_text())
    with pytest.raises(HostKeyUnknownError, match="jump host"):
        await connect(box, ssh_config=config)


async def test_a_chain_of_two_jump_hosts(
    sim_server: SimServer, sim_box: Box, bastion: Bastion, tmp_path: Path
) -> None:
    key = asyncssh.read_public_key(f"{sim_server.client_key}.pub")
    async with Bastion(key) as inner:
        known_hosts = both_known(sim_server, bastion, tmp_path)
        with known_hosts.open("a") as file:
            file.write(inner.known_hosts_line())
        jump = f"outer@127.0.0.1:{bastion.port},inner@127.0.0.1:{inner.port}"
        async with await connect(behind(sim_box, bastion, known_hosts, jump)) as connection:
            assert (await connection.run("echo deep")).stdout == "deep\n"
        assert bastion.forwarded == [("127.0.0.1", inner.port)]  # the first hop, first
        assert inner.forwarded == [("127.0.0.1", sim_server.port)]


def test_the_jump_field_is_checked_when_the_inventory_loads(tmp_path: Path) -> None:
    inventory = tmp_path / "boxes.toml"
    inventory.write_text(
        '[[box]]\nname = "a"\nhost = "10.0.0.1"\njump = "ops@bastion.example:2222,ops@inner"\n'
    )
    assert load_inventory(inventory)[0].jump == "ops@bastion.example:2222,ops@inner"
    inventory.write_text('[[box]]\nname = "a"\nhost = "10.0.0.1"\njump = "ops@bastion:ssh"\n')
    with pytest.raises(InventoryError, match="field 'jump'.*not a TCP port"):
        load_inventory(inventory)


# ------------------------------------------------------------------------------ SendEnv LANG LC_*


async def test_lang_and_lc_variables_reach_a_box_that_accepts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key_path = tmp_path / "id_ed25519"
    client_key.write_private_key(str(client_key_path))
    host_key = asyncssh.generate_private_key("ssh-ed25519")

    def session(process: asyncssh.SSHServerProcess[str]) -> None:
        # An sshd with `AcceptEnv *`: it shows whatever the client sent.
        sent = sorted(f"{k}={v}" for k, v in process.env.items())
        process.stdout.write("\n".join(sent) + "\n")
        process.exit(0)

    server = await asyncssh.create_server(
        None,
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        authorized_client_keys=asyncssh.import_authorized_keys(
            client_key.export_public_key().decode()
        ),
        process_factory=session,
    )
    try:
        port = server.get_port()
        known_hosts = tmp_path / "known_hosts"
        public = host_key.export_public_key().decode().split()
        known_hosts.write_text(f"[127.0.0.1]:{port} {public[0]} {public[1]}\n")
        monkeypatch.setenv("LANG", "pt_BR.UTF-8")
        monkeypatch.setenv("LC_TIME", "de_DE.UTF-8")
        monkeypatch.setenv("CLAWTUI_NOT_FOR_THE_BOX", "private")
        box = Box(
            name="env", host="127.0.0.1", port=port, key=client_key_path, known_hosts=known_hosts
        )
        async with await connect(box) as connection:
            lines = (await connection.run("env")).stdout.split()
        assert "LANG=pt_BR.UTF-8" in lines and "LC_TIME=de_DE.UTF-8" in lines
        assert not any(line.startswith("CLAWTUI_NOT_FOR_THE_BOX") for line in lines)

        # A SendEnv in the ssh config adds to LANG and LC_*, as with OpenSSH.
        config = tmp_path / "ssh_config"
        config.write_text("Host *\n    SendEnv CLAWTUI_ASKED_*\n")
        monkeypatch.setenv("CLAWTUI_ASKED_FOR", "yes")
        async with await connect(box, ssh_config=config) as connection:
            lines = (await connection.run("env")).stdout.split()
        assert {"LANG=pt_BR.UTF-8", "LC_TIME=de_DE.UTF-8", "CLAWTUI_ASKED_FOR=yes"} <= set(lines)
        assert not any(line.startswith("CLAWTUI_NOT_FOR_THE_BOX") for line in lines)
    finally:
        server.close()
        await server.wait_closed()


async def test_accept_new_host_key_takes_the_bastion_then_the_box_in_one_run(
    sim_server: SimServer, sim_box: Box, bastion: Bastion, tmp_path: Path
) -> None:
    """`clawtui onboard --accept-new-host-key` through a new bastion to a new box: both keys
    are recorded in one connect, not one per run."""
    from clawtui import flow as f
    from clawtui.runner import Runner

    known_hosts = tmp_path / "known_hosts"
    runner = Runner(behind(sim_box, bastion, known_hosts), accept_new_host_key=True)
    try:
        await runner._do_connect()
        event = runner._queue.get_nowait()
        assert isinstance(event, f.Connected), event
    finally:
        await runner.close()
    assert (
        known_hosts.read_text() == bastion.known_hosts_line() + sim_server.known_hosts.read_text()
    )
