"""The SSH session to a customer box: the one place that speaks asyncssh on the client side.

Everything else in clawtui (the runner, the headless command, the TUI) wants three things from a
box: run a program in a terminal, run a short command, and know how either ended. It must never
see asyncssh's callbacks or exceptions, so here they become `ClawError`s whose message tells the
operator what happened and what to do, and an async stream of `ProcessEvent`s.

Behaviour follows OpenSSH where an operator would expect it to: `~/.ssh/config` (Host aliases,
HostName, Port, User, IdentityFile, ProxyJump) and ssh-agent apply, the inventory's values
winning; host keys are always checked, against the box's known_hosts file, on every hop through
jump hosts too; a new host key is accepted only when the operator confirmed its fingerprint;
`LANG` and `LC_*` are sent as OpenSSH's usual `SendEnv LANG LC_*` does. Output is read with
back-pressure: a consumer that falls behind stops the reading, SSH flow control then throttles
the box, and memory stays flat.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import weakref
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncssh

from .errors import (
    AuthenticationError,
    CommandNotFoundError,
    DisconnectedError,
    HostKeyChangedError,
    HostKeyUnknownError,
    SshError,
    UnreachableError,
)
from .inventory import DEFAULT_PORT, DEFAULT_USER, Box, JumpHop, parse_jump
from .programs import install_hint, program_name

#: An OpenSSH client config file to read instead of `~/.ssh/config` (tests, demos, CI).
SSH_CONFIG_ENV = "CLAWTUI_SSH_CONFIG"
#: Environment variables offered to the box, as the `SendEnv LANG LC_*` that OpenSSH clients
#: usually have; the box's sshd keeps those its AcceptEnv names (Ubuntu's names these), so the
#: shell there speaks UTF-8 as it would over `ssh`.
SEND_ENV = ("LANG", "LC_*")
#: Keepalives that may go unanswered before the connection counts as lost (OpenSSH's default).
KEEPALIVE_COUNT_MAX = 3
#: The PTY channel's SSH window: output the box may send before the consumer takes it. Once
#: this much waits for the consumer the channel is no longer read, so at most about twice it is
#: held here (waiting, and in flight); asyncssh's default (2 MiB) would let a flood hold 4 MiB.
RECEIVE_WINDOW = 256 * 1024
# One Output event at most: what several packets that came together make.
_READ_SIZE = 65536


# --------------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Output:
    """Bytes the program wrote to its terminal (stdout and stderr alike), as they came."""

    data: bytes

    def __repr__(self) -> str:
        # The output may hold the token: never show it in a repr.
        return f"Output(<{len(self.data)} bytes>)"


@dataclass(frozen=True)
class Exited:
    """The program ended: its exit status, or the signal (e.g. "HUP") that ended it."""

    status: int | None
    signal: str | None = None


@dataclass(frozen=True)
class Disconnected:
    """The connection to the box was lost while the program ran; how it ended is unknown."""

    reason: str


ProcessEvent = Output | Exited | Disconnected


@dataclass(frozen=True)
class CommandResult:
    exit_status: int | None
    stdout: str
    stderr: str
    #: The signal that ended the command (then `exit_status` is None).
    exit_signal: str | None = None

    def __repr__(self) -> str:
        return (
            f"CommandResult(exit_status={self.exit_status!r}, exit_signal={self.exit_signal!r}, "
            f"stdout=<{len(self.stdout)} chars>, stderr=<{len(self.stderr)} chars>)"
        )


# --------------------------------------------------------------------------------- helpers


def command_not_found(command: str, box: Box) -> CommandNotFoundError:
    """The error for a command that exited with status 127 on `box` (not found by the shell)."""
    program = program_name(command)
    hint = install_hint(program)
    return CommandNotFoundError(
        f"`{program}` is not installed on {box.name} ({box.address}): the shell there found no "
        f"such command (exit status 127). {hint}",
        box=box.name,
        command=program,
    )


# --------------------------------------------------------------------------------- connect


async def connect(
    box: Box,
    *,
    connect_timeout: float = 10.0,
    keepalive_interval: float = 15.0,
    accept_host_key: str | None = None,
    ssh_config: Path | Sequence[Path] | None = None,
) -> SshConnection:
    """Open an SSH connection to `box`.

    `accept_host_key`: the `SHA256:…` fingerprint the operator confirmed for a box whose host key
    is not known yet (see `HostKeyUnknownError`); the key is accepted and recorded only if the
    box offers exactly that one (through jump hosts: the first hop whose key is not known yet and
    is exactly that one). `ssh_config`: OpenSSH client config file(s) to read; default
    `$CLAWTUI_SSH_CONFIG` if set, else `~/.ssh/config`.
    """
    known_hosts = _read_known_hosts(box)
    client = _Client(box, known_hosts, accept_host_key)
    if ssh_config is None:
        override = os.environ.get(SSH_CONFIG_ENV)
        config: Any = [override] if override else ()
    elif isinstance(ssh_config, (str, Path)):
        config = [str(ssh_config)]
    else:
        config = [str(path) for path in ssh_config]
    port: Any = box.port if box.port is not None else ()
    try:
        options = await asyncssh.SSHClientConnectionOptions.construct(
            config=config,
            host=box.host,
            port=port,
            username=box.user if box.user else (),
            # As with `ssh -i`, the agent's keys are tried too (first), and a passphrase-
            # protected key file is skipped rather than prompted for: the agent may hold it.
            client_keys=[str(box.key)] if box.key else (),
            send_env=SEND_ENV,
            **_common_options(known_hosts, client, connect_timeout, keepalive_interval),
        )
        if box.user is None and options.config.get("User") is None:
            # Neither the inventory nor the config names a user: clawtui's default, not the
            # local login name that OpenSSH (and asyncssh) would use.
            options = await asyncssh.SSHClientConnectionOptions.construct(
                options, config=None, username=DEFAULT_USER
            )
        if options.config.get("SendEnv"):
            # OpenSSH adds a config's SendEnv to the system config's usual LANG LC_*.
            options = await asyncssh.SSHClientConnectionOptions.construct(
                options, config=None, send_env=[*SEND_ENV, *options.config.get("SendEnv")]
            )
        # The inventory's `jump` wins over ProxyJump from the config, which asyncssh would
        # follow by itself, but with none of the host key checks below: it is done here.
        jump = box.jump or options.tunnel
        hops = parse_jump(jump) if isinstance(jump, str) and jump else []
    except (OSError, ValueError) as error:
        raise _settings_error(box, error) from None

    target = _Target(box, str(options.username), str(options.host), int(options.port))
    client.target = target
    tunnel: asyncssh.SSHClientConnection | None = None
    try:
        for hop in hops:
            tunnel = await _connect_hop(
                box,
                hop,
                tunnel,
                known_hosts,
                client,
                config,
                connect_timeout=connect_timeout,
                keepalive_interval=keepalive_interval,
            )
        connection = await _dial(
            client, target, options, tunnel, box.host, port, connect_timeout=connect_timeout
        )
    except BaseException:
        if tunnel is not None:  # closing the last hop closes those before it
            tunnel.close()
        raise
    if tunnel is not None:
        connection.set_tunnel(tunnel)  # closed with the box's connection
    return SshConnection(box, connection, client, target)


def _common_options(
    known_hosts: asyncssh.SSHKnownHosts,
    client: _Client,
    connect_timeout: float,
    keepalive_interval: float,
) -> dict[str, Any]:
    """What a box's connection and each jump host's have in common: host keys checked against
    the box's known_hosts, keepalives, no forwarding of the agent or X11, and a passphrase-
    protected key file skipped rather than prompted for (the agent may hold it)."""
    return {
        "ignore_encrypted": True,
        "known_hosts": known_hosts,
        "client_factory": lambda: client,
        "connect_timeout": connect_timeout,
        "keepalive_interval": keepalive_interval,
        "keepalive_count_max": KEEPALIVE_COUNT_MAX,
        "agent_forwarding": False,
        "x11_forwarding": False,
    }


async def _connect_hop(
    box: Box,
    hop: JumpHop,
    tunnel: asyncssh.SSHClientConnection | None,
    known_hosts: asyncssh.SSHKnownHosts,
    box_client: _Client,
    config: Any,
    *,
    connect_timeout: float,
    keepalive_interval: float,
) -> asyncssh.SSHClientConnection:
    """Connect to one jump host (through `tunnel`, the one before it, if any) as to a box: its
    host key checked against the box's known_hosts file, ~/.ssh/config applied to its name."""
    client = _Client(box, known_hosts, box_client.accept)
    try:
        options = await asyncssh.SSHClientConnectionOptions.construct(
            config=config,
            host=hop.host,
            port=hop.port if hop.port is not None else (),
            username=hop.user if hop.user else (),
            # The jump host's own ProxyJump is not followed: the chain is the box's `jump`.
            tunnel=None,
            **_common_options(known_hosts, client, connect_timeout, keepalive_interval),
        )
        overrides: dict[str, Any] = {}
        if hop.user is None and options.config.get("User") is None:
            overrides["username"] = DEFAULT_USER
        if box.key and options.config.get("IdentityFile") is None:
            # The box's key opens the jump host too, unless the config names one for it.
            overrides["client_keys"] = [str(box.key)]
        if overrides:
            options = await asyncssh.SSHClientConnectionOptions.construct(
                options, config=None, **overrides
            )
    except (OSError, ValueError) as error:
        raise _settings_error(box, error) from None
    target = _Target(box, str(options.username), str(options.host), int(options.port), jump=True)
    client.target = target
    connection = await _dial(
        client, target, options, tunnel, hop.host, options.port, connect_timeout=connect_timeout
    )
    if client.accepted:
        # The fingerprint the operator confirmed was this hop's: hosts further on that are
        # not known yet need a confirmation of their own.
        box_client.forget_accept()
    if tunnel is not None:
        connection.set_tunnel(tunnel)
    return connection


#: SSH connections being set up at once (key exchange, authentication), at most: a batch that
#: starts 100 boxes spreads their handshakes instead of running them all in one burst on the
#: event loop that draws the UI (OpenSSH's sshd limits unauthenticated connections the same
#: way, MaxStartups 10). Per event loop.
MAX_HANDSHAKES = 10
_handshakes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _handshake_slot() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _handshakes.get(loop)
    if slots is None:
        slots = _handshakes[loop] = asyncio.Semaphore(MAX_HANDSHAKES)
    return slots


async def _dial(
    client: _Client,
    target: _Target,
    options: asyncssh.SSHClientConnectionOptions,
    tunnel: asyncssh.SSHClientConnection | None,
    host: str,
    port: Any,
    *,
    connect_timeout: float,
) -> asyncssh.SSHClientConnection:
    """Open the SSH connection to `target` (a box or a jump host: `host` as named in the
    inventory), directly or through `tunnel`; every failure becomes a `ClawError` naming it."""
    box = client.box
    try:
        async with _handshake_slot():
            return await asyncssh.connect(host, port, tunnel=tunnel, config=None, options=options)
    except asyncssh.ChannelOpenError as error:
        # Only a tunnel opens channels while connecting: the jump host would not forward.
        raise UnreachableError(
            f"Cannot reach {target}: the jump host refused to forward the connection "
            f"({_reason(error)}). Check that it allows TCP forwarding (AllowTcpForwarding) and "
            "can reach the box at that address.",
            box=box.name,
        ) from None
    except asyncssh.HostKeyNotVerifiable as error:
        raise client.host_key_error(error) from None
    except asyncssh.PermissionDenied:
        check = (
            "the user in this box's `jump` and its key (the box's `key`, or IdentityFile for "
            "the jump host in ~/.ssh/config)"
            if target.jump
            else "`user` and `key` for this box in the inventory (or ~/.ssh/config)"
        )
        raise AuthenticationError(
            f"{target} refused every key offered for user {target.user!r}"
            f"{_keys_tried(box)}. Check {check}, or add the right key to ssh-agent (`ssh-add "
            "KEYFILE`; needed if the key file has a passphrase), then connect again.",
            box=box.name,
        ) from None
    except asyncssh.KeyExchangeFailed as error:
        if "host key" in error.reason.lower():
            # asyncssh offers only the key types on record for a known host: the box no longer
            # has that type of key.
            raise _key_changed_error(
                target,
                box,
                f"{target} does not offer the type of host key recorded for it in "
                f"{box.known_hosts} ({error.reason}).",
                "the change is expected",
                host=target.host,
                port=target.port,
            ) from None
        raise UnreachableError(
            f"{target} answered, but the SSH handshake failed ({error.reason}). Check that it "
            "runs an SSH server on that port, then try again.",
            box=box.name,
        ) from None
    except socket.gaierror as error:
        raise UnreachableError(
            f"Cannot reach {target}: the host name {target.host!r} cannot be resolved "
            f"({error.strerror}). Check `{target.field}` in the inventory (or HostName in "
            "~/.ssh/config).",
            box=box.name,
        ) from None
    except TimeoutError:
        raise UnreachableError(
            f"Cannot reach {target}: no answer within {connect_timeout:g} s. The box may be "
            "off, or a firewall may drop SSH; check it is running and the address is right.",
            box=box.name,
        ) from None
    except ConnectionRefusedError:
        raise UnreachableError(
            f"Cannot reach {target}: the connection was refused (nothing listens on port "
            f"{target.port}). Check the port, and that SSH runs on the box.",
            box=box.name,
        ) from None
    except OSError as error:
        raise UnreachableError(
            f"Cannot reach {target}: {error.strerror or error}. Check the address and the "
            "network, then try again.",
            box=box.name,
        ) from None
    except asyncssh.Error as error:
        raise UnreachableError(
            f"The SSH connection to {target} failed: {_reason(error)}. Try again; if it keeps "
            "failing, check the SSH server on the box.",
            box=box.name,
        ) from None


class SshConnection:
    """An open connection to one box. Programs run in PTYs (`open_pty`) or plainly (`run`)."""

    def __init__(
        self,
        box: Box,
        connection: asyncssh.SSHClientConnection,
        client: _Client,
        target: _Target,
    ) -> None:
        self.box = box
        self._connection = connection
        self._client = client
        self._target = target

    @property
    def address(self) -> str:
        """`user@host:port` as actually used (after ~/.ssh/config)."""
        return self._target.address

    @property
    def closed(self) -> bool:
        return self._client.closed

    @property
    def disconnect_reason(self) -> str | None:
        """Why the connection ended, when it was lost rather than closed by us."""
        return self._client.disconnect_reason

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<SshConnection {self.box.name} {self.address} {state}>"

    async def open_pty(
        self,
        command: str | None,
        *,
        columns: int,
        lines: int,
        term_type: str = "xterm-256color",
    ) -> PtyProcess:
        """Start `command` (None: the login shell) in a terminal of the given size."""
        if columns < 1 or lines < 1:
            raise ValueError(f"terminal size must be positive, not {columns}x{lines}")
        self._check_open()
        process = PtyProcess(self, command)
        try:
            process._process = await self._connection.create_process(
                command,
                term_type=term_type,
                term_size=(columns, lines),
                request_pty=True,
                encoding=None,
                # In a terminal both land on the same screen (and with no PTY on the box's
                # side, the program's complaints come on stderr).
                stderr=asyncssh.STDOUT,
                window=RECEIVE_WINDOW,
            )
        except (OSError, asyncssh.Error) as error:
            raise self._session_error(command, error) from None
        return process

    async def run(
        self, command: str, *, timeout: float = 30.0, stdin: str | None = None
    ) -> CommandResult:
        """Run `command` without a terminal and collect its output (decoded as UTF-8).

        `stdin` is sent to the command's stdin, then end of file: the way to hand it a secret,
        which on a command line would show in `ps` on the box. Exit status 127 is returned, not
        raised: see `command_not_found`.
        """
        self._check_open()
        process: asyncssh.SSHClientProcess[str] | None = None
        try:
            async with asyncio.timeout(timeout):
                process = await self._connection.create_process(
                    command,
                    input=stdin,
                    request_pty=False,
                    encoding="utf-8",
                    errors="replace",
                )
                completed = await process.wait()
        except TimeoutError:
            if process is not None:
                process.close()  # the box hangs up on the command
            raise SshError(
                f"`{program_name(command)}` did not finish within {timeout:g} s on "
                f"{self._target}; it was stopped. Check the box (is it overloaded?) and try "
                "again.",
                box=self.box.name,
            ) from None
        except (OSError, asyncssh.Error) as error:
            raise self._session_error(command, error) from None
        if completed.exit_status is None and completed.exit_signal is None and self.closed:
            raise self._lost_error(f"while `{program_name(command)}` ran")
        signal_name = completed.exit_signal[0] if completed.exit_signal else None
        return CommandResult(
            exit_status=completed.exit_status if signal_name is None else None,
            stdout=_text(completed.stdout),
            stderr=_text(completed.stderr),
            exit_signal=signal_name,
        )

    async def close(self) -> None:
        """Close the connection (programs still running on it are hung up on). Idempotent."""
        if not self._client.closed:
            self._client.closing = True
            self._connection.close()
        await self._connection.wait_closed()

    async def __aenter__(self) -> SshConnection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def _check_open(self) -> None:
        if self.closed:
            raise self._lost_error("")

    def _lost_error(self, when: str) -> DisconnectedError:
        reason = self.disconnect_reason or f"the connection to {self._target} is closed"
        when = f" {when}" if when else ""
        return DisconnectedError(
            f"{reason[:1].upper()}{reason[1:]}{when}. Connect to the box again, then retry.",
            box=self.box.name,
        )

    def _session_error(self, command: str | None, error: Exception) -> SshError:
        # asyncssh may refuse a channel with "SSH connection closed" a moment before its
        # connection_lost callback marks us closed: that is a drop too, not a refusal.
        lost = isinstance(error, asyncssh.ConnectionLost | asyncssh.DisconnectError) or (
            isinstance(error, asyncssh.ChannelOpenError)
            and "connection closed" in error.reason.lower()
        )
        if self.closed or lost:
            return self._lost_error("")
        what = f"`{program_name(command)}`" if command else "a login shell"
        if isinstance(error, asyncssh.ChannelOpenError) and "pty" in error.reason.lower():
            return SshError(
                f"{self._target} refused to give {what} a terminal (PTY request denied: "
                f"{error.reason}). Check `PermitTTY` in the box's sshd_config.",
                box=self.box.name,
            )
        return SshError(
            f"{self._target} did not start {what}: {_reason(error)}. Try again; if it keeps "
            "failing, check the box's SSH server (MaxSessions?).",
            box=self.box.name,
        )


# --------------------------------------------------------------------------------- the PTY


class PtyProcess:
    """A program running in a terminal on the box.

    Read it with `async for event in process.events()`: `Output` chunks the moment they arrive,
    then exactly one `Exited` or `Disconnected`, then the stream stops. asyncssh's process
    streams carry the back-pressure: output the consumer has not taken yet stops the channel
    being read once it fills the channel's window (`RECEIVE_WINDOW`), so SSH flow control makes
    the program on the box wait instead of memory growing.
    """

    def __init__(self, connection: SshConnection, command: str | None) -> None:
        self.connection = connection
        self.command = command
        self.exit_status: int | None = None
        self.exit_signal: str | None = None
        self._process: asyncssh.SSHClientProcess[bytes] | None = None
        self._closing = False
        self._ended = False
        self._delivered_end = False

    def __repr__(self) -> str:
        program = program_name(self.command) if self.command else "login shell"
        return f"<PtyProcess {program!r} on {self.connection.box.name}>"

    @property
    def ended(self) -> bool:
        """True once the program exited, was closed, or its connection was lost."""
        return self._ended

    async def events(self) -> AsyncIterator[ProcessEvent]:
        process = self._process
        if self._delivered_end or process is None:
            return
        error: Exception | None = None
        while True:
            try:
                data = await process.stdout.read(_READ_SIZE)
            except (OSError, asyncssh.Error) as lost:  # the channel went with an error
                error = lost
                break
            if not data:  # end of output: the channel is closing
                break
            if not self._closing:
                yield Output(data)
        await process.wait_closed()
        self._delivered_end = True
        yield self._end(process, error)

    def write(self, data: bytes) -> None:
        """Send keystrokes or a paste. Ignored once the program has ended (the event stream
        says how), as typing into a finished terminal goes nowhere."""
        process = self._process
        if self._ended or self._closing or process is None or not data:
            return
        try:
            process.stdin.write(data)
        except (OSError, asyncssh.Error):
            pass  # the channel is closing; the event stream reports why

    def resize(self, columns: int, lines: int) -> None:
        """Tell the box the terminal's new size (SSH window-change: the program gets SIGWINCH)."""
        if columns < 1 or lines < 1:
            raise ValueError(f"terminal size must be positive, not {columns}x{lines}")
        process = self._process
        if self._ended or self._closing or process is None:
            return
        try:
            process.change_terminal_size(columns, lines)
        except (OSError, asyncssh.Error):
            pass

    async def close(self) -> None:
        """Hang up on the program (the box sends it SIGHUP). Idempotent."""
        process = self._process
        if process is None:
            return
        if not self._ended and not self._closing:
            self._closing = True
            process.close()
        # Output nobody reads keeps the channel paused, and a paused channel never finishes
        # closing: take (and drop) what is left. The event stream shows none of it.
        with contextlib.suppress(OSError, asyncssh.Error):
            while await process.stdout.read(_READ_SIZE):
                pass
        await process.wait_closed()
        self._ended = True

    def _end(
        self, process: asyncssh.SSHClientProcess[bytes], error: Exception | None
    ) -> Exited | Disconnected:
        self._ended = True
        client = self.connection._client
        # asyncssh reports -1 as the status of a program a signal ended.
        self.exit_signal = process.exit_signal[0] if process.exit_signal else None
        self.exit_status = process.exit_status if self.exit_signal is None else None
        if self.exit_status is not None or self.exit_signal is not None:
            # It ended (and its output was all sent before that), whatever became of the link.
            return Exited(self.exit_status, self.exit_signal)
        if error is not None:
            return Disconnected(client.describe_loss(error))
        if client.closed and not self._closing:
            return Disconnected(client.disconnect_reason or "the connection was closed")
        return Exited(None, None)  # closed by us, or the box closed it without a status


# --------------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Target:
    box: Box
    user: str
    host: str
    port: int
    #: A jump host on the way to the box, rather than the box itself.
    jump: bool = False

    @property
    def address(self) -> str:
        port = f":{self.port}" if self.port != DEFAULT_PORT else ""
        return f"{self.user}@{self.host}{port}"

    @property
    def field(self) -> str:
        """The inventory field that says where this is."""
        return "jump" if self.jump else "host"

    def __str__(self) -> str:
        if self.jump:
            return f"jump host {self.address} (on the way to box {self.box.name})"
        return f"box {self.box.name} ({self.address})"


class _Client(asyncssh.SSHClient):
    """asyncssh's view of our side: host key decisions and the connection's end."""

    def __init__(
        self, box: Box, known_hosts: asyncssh.SSHKnownHosts, accept_fingerprint: str | None
    ) -> None:
        self.box = box
        self.target: _Target | None = None
        self._known_hosts = known_hosts
        self._accept_fingerprint = accept_fingerprint
        #: The confirmed fingerprint was offered here, and the key accepted and recorded.
        self.accepted = False
        self.offered_key: asyncssh.SSHKey | None = None
        self.offered_host = ""
        self.offered_port = DEFAULT_PORT
        self.key_changed = False
        self.closed = False
        self.closing = False
        self.disconnect_reason: str | None = None

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        # Called only for a key that is not among those on record for this host.
        self.offered_key = key
        self.offered_host = host
        self.offered_port = port
        lookup_port = None if port == DEFAULT_PORT else port
        trusted, trusted_ca, *_ = asyncssh.match_known_hosts(
            self._known_hosts, host, addr, lookup_port
        )
        if trusted or trusted_ca:
            # Another key is on record: changed, refused, whatever the operator accepted.
            self.key_changed = True
            return False
        if self._accept_fingerprint is None:
            return False
        if key.get_fingerprint("sha256") != self._accept_fingerprint.strip():
            return False
        _append_known_host(self.box.known_hosts, host, port, key)
        self.accepted = True
        return True

    @property
    def accept(self) -> str | None:
        """The fingerprint the operator confirmed for this connection, if any."""
        return self._accept_fingerprint

    def forget_accept(self) -> None:
        self._accept_fingerprint = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if exc is not None:
            self.disconnect_reason = self.describe_loss(exc)
        elif not self.closing:
            self.disconnect_reason = f"{self._where()} closed the connection"

    def describe_loss(self, error: Exception) -> str:
        return f"the connection to {self._where()} was lost ({_reason(error)})"

    def _where(self) -> str:
        return str(self.target) if self.target else f"box {self.box.name}"

    def host_key_error(self, error: asyncssh.HostKeyNotVerifiable) -> SshError:
        box = self.box
        target = self.target
        key = self.offered_key
        if key is None or target is None:  # refused before we saw it (a revoked key)
            return HostKeyChangedError(
                f"The host key of {target or box.name} cannot be verified ({_reason(error)}): "
                f"refused. Check the entries for this box in {box.known_hosts}.",
                box=box.name,
                known_hosts=box.known_hosts,
            )
        fingerprint = key.get_fingerprint("sha256")
        key_type = key.get_algorithm()
        if self.key_changed:
            return _key_changed_error(
                target,
                box,
                f"The host key of {target} has CHANGED since it was recorded in "
                f"{box.known_hosts}: it now offers {key_type} {fingerprint}.",
                "the box's owner confirms the change",
                host=self.offered_host,
                port=self.offered_port,
                fingerprint=fingerprint,
                key_type=key_type,
            )
        if self._accept_fingerprint is not None:
            lead = (
                f"{target} offers host key {key_type} {fingerprint}, not the confirmed "
                f"{self._accept_fingerprint.strip()}: refused, nothing recorded."
            )
        else:
            lead = f"{target} is not known yet: its host key is {key_type} {fingerprint}."
        public_key = b" ".join(key.export_public_key("openssh").split()[:2])
        where = "jump host" if target.jump else "box"
        return HostKeyUnknownError(
            f"{lead} Compare this fingerprint with the one the {where}'s owner sees (`ssh-keygen "
            f"-lf /etc/ssh/ssh_host_ed25519_key.pub` on the {where}); accept it only if they "
            "match.",
            box=box.name,
            jump_host=target.address if target.jump else "",
            host=self.offered_host,
            port=self.offered_port,
            fingerprint=fingerprint,
            key_type=key_type,
            known_hosts=box.known_hosts,
            public_key=public_key,
        )


#: Parsed known_hosts files by (path, device, inode, size, mtime): a batch of 100 boxes shares one
#: file, and parsing it for every connection was a burst of ~1 ms a box as the batch started.
#: A file written since (an accepted key) has a new mtime and size, so it is read again.
_KNOWN_HOSTS_CACHE: dict[tuple[str, int, int, int, int], asyncssh.SSHKnownHosts] = {}
_KNOWN_HOSTS_CACHED = 8


def _read_known_hosts(box: Box) -> asyncssh.SSHKnownHosts:
    """The box's known_hosts, parsed; a missing file is an empty one (every key is unknown)."""
    path = box.known_hosts
    try:
        stat = path.stat()
    except OSError:
        key = None
    else:
        key = (str(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        cached = _KNOWN_HOSTS_CACHE.get(key)
        if cached is not None:
            return cached
    parsed = _parse_known_hosts(box)
    if key is not None:
        if len(_KNOWN_HOSTS_CACHE) >= _KNOWN_HOSTS_CACHED:
            _KNOWN_HOSTS_CACHE.pop(next(iter(_KNOWN_HOSTS_CACHE)))
        _KNOWN_HOSTS_CACHE[key] = parsed
    return parsed


def _parse_known_hosts(box: Box) -> asyncssh.SSHKnownHosts:
    try:
        text = box.known_hosts.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as error:
        raise SshError(
            f"Cannot read the known_hosts file {box.known_hosts} for box {box.name} ({error}). "
            "Fix its permissions or `known_hosts` in the inventory.",
            box=box.name,
        ) from None
    try:
        return asyncssh.import_known_hosts(text)
    except ValueError as error:
        raise SshError(
            f"The known_hosts file {box.known_hosts} for box {box.name} is not in OpenSSH "
            f"format ({error}). Fix or remove the broken line.",
            box=box.name,
        ) from None


def _append_known_host(path: Path, host: str, port: int, key: asyncssh.SSHKey) -> None:
    """Record an accepted host key as OpenSSH would (`[host]:port` off port 22)."""
    label = host if port == DEFAULT_PORT else f"[{host}]:{port}"
    key_text = " ".join(key.export_public_key("openssh").decode("ascii").split()[:2])
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    existing = path.read_bytes() if path.exists() else b""
    separator = "\n" if existing and not existing.endswith(b"\n") else ""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as file:
        file.write(f"{separator}{label} {key_text}\n")


def _key_changed_error(
    target: _Target,
    box: Box,
    found: str,
    once: str,
    *,
    host: str,
    port: int,
    fingerprint: str = "",
    key_type: str = "",
) -> HostKeyChangedError:
    """The box no longer offers the host key on record (`found` says how): refused, with how
    to forget the old key `once` the change is known to be harmless."""
    return HostKeyChangedError(
        f"{found} The box may have been reinstalled, or someone may be intercepting the "
        f"connection: refused. If {once}, {_forget_hint(target, box)}",
        box=box.name,
        host=host,
        port=port,
        fingerprint=fingerprint,
        key_type=key_type,
        known_hosts=box.known_hosts,
    )


def _forget_hint(target: _Target, box: Box) -> str:
    label = target.host if target.port == DEFAULT_PORT else f"[{target.host}]:{target.port}"
    return (
        f"remove the old key with `ssh-keygen -R '{label}' -f {box.known_hosts}` and connect "
        "again to confirm the new one."
    )


def _keys_tried(box: Box) -> str:
    if box.key:
        return f" (the key {box.key} and any in ssh-agent)"
    return " (keys from ~/.ssh/config, ~/.ssh/id_* and ssh-agent)"


def _settings_error(box: Box, error: Exception) -> SshError:
    if isinstance(error, FileNotFoundError) and box.key and Path(str(error.filename)) == box.key:
        return AuthenticationError(
            f"The key file {box.key} for box {box.name} does not exist. Fix `key` in the "
            "inventory.",
            box=box.name,
        )
    detail = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return SshError(
        f"Cannot use the SSH settings for box {box.name} ({detail}). Check its `key` in the "
        "inventory and the OpenSSH config file (~/.ssh/config).",
        box=box.name,
    )


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", "") or str(error) or type(error).__name__
    return str(reason).rstrip(".")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
