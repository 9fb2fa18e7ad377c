"""The demo's SSH server: a fleet of simulated customer boxes on 127.0.0.1.

clawtui has to be tried, tested and benchmarked against something that behaves like Ubuntu boxes
reached over SSH — real host keys and key authentication, programs in real pseudo-terminals that
resize and hang up, connections that drop — with no network at all. Here every box is a user name
on one asyncssh server. A session runs `/bin/sh -c COMMAND` (or an interactive bash) in a local
PTY, with the box's own HOME (whose `.clawsim.json` tells the simulated `claude` and `openclaw`
how to behave) and a PATH that puts the simulators first; the same wrappers would work under
OpenSSH's sshd. Failures of the *link* (no PTY, a dropped connection) are played here; failures
of the *programs* live in the simulators.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import re
import secrets
import shlex
import signal
import struct
import sys
import termios
from collections.abc import Coroutine, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import asyncssh

import clawtui

from ..inventory import Box
from .boxes import DEMO_BOXES, SimBox
from .signin import SignInPage

LOOPBACK = "127.0.0.1"
#: What the remote user is called on every box (the prompt reads `ubuntu@<box>`), as on Ubuntu.
REMOTE_USER = "ubuntu"
#: Programs each box has, as `python -m MODULE [ARGS]` (Python: the simulators are ours).
WRAPPED_PROGRAMS: dict[str, tuple[str, ...]] = {
    "claude": ("clawtui.sim.claude",),
    "openclaw": ("clawtui.sim.openclaw",),
    "node": ("clawtui.sim.tools", "node"),
    "npm": ("clawtui.sim.tools", "npm"),
    "free": ("clawtui.sim.tools", "free"),
}

# After the child exits, how long output may still trickle in from processes it left behind
# holding the terminal before the session ends anyway (OpenSSH's sshd does much the same).
_LINGER_AFTER_EXIT = 0.5
# How long a child may take to go after SIGHUP before it gets SIGKILL.
_HANGUP_GRACE = 2.0
# `claude setup-token` prints this (its words separated by cursor moves, so matched without
# escape sequences and spaces) right after the token: where the drop_after_token box drops.
_DROP_MARKER = b"abletoseeitagain"
_ESCAPE_RE = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)|\s")

# The child runs this first in a PTY session: it is already a session leader (setsid by
# Popen), and TIOCSCTTY makes the PTY its controlling terminal, so that it gets SIGWINCH and
# SIGHUP and bash has job control, exactly as under sshd. A few milliseconds of Python startup,
# rather than a preexec_fn, which is unsafe when the server shares a process with threads.
# A new session is a new scheduling autogroup on Linux, which competes for the CPU as an equal
# of every other session whatever its processes' nice value: the session takes the server's
# nice value too, so that a simulator started at a low priority (the benchmarks' fleet of 100
# boxes) stays low.
_CTTY_SHIM = (
    "import fcntl, os, sys, termios\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    "if os.nice(0) > 0:\n"
    "    try:\n"
    "        with open('/proc/self/autogroup', 'w') as group:\n"
    "            group.write(str(os.nice(0)))\n"
    "    except OSError:\n"
    "        pass\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


class SimServer:
    """Loopback SSH server of simulated boxes; `start()` it, point clawtui at `inventory_boxes()`.

    Everything it writes lives under `root`: keys, known_hosts, one HOME and one bin folder per
    box. The boxes' HOMEs are kept across restarts (state such as `~/.openclaw` stays), the keys
    and the port are new each time.
    """

    def __init__(
        self, root: Path, boxes: Sequence[SimBox] = DEMO_BOXES, *, time_scale: float = 1.0
    ) -> None:
        names = [box.name for box in boxes]
        if len(set(names)) != len(names):
            raise ValueError("SimServer: box names must be unique")
        self.root = Path(root)
        self.boxes: dict[str, SimBox] = {box.name: box for box in boxes}
        self.time_scale = time_scale
        self.port = 0
        self.host_key_fingerprint = ""
        self.known_hosts = self.root / "known_hosts"
        self.client_key = self.root / "id_ed25519"
        self.host_key_path = self.root / "ssh_host_ed25519_key"
        self.signin_base = ""
        self._secret = ""
        self._client_public_key: asyncssh.SSHKey | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._signin: SignInPage | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._sessions: set[_BoxSession] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def program_started(self, pid: int) -> None:
        """Called with the process id of every program a session starts, right after it starts
        (still starting up: its own children come later). Nothing here; the benchmarks' fleet
        moves each into a CPU group that runs only on CPU time clawtui leaves (fleet.py)."""

    # ----------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Write keys, known_hosts and the boxes' HOMEs, then listen on 127.0.0.1 (any port)."""
        if self._acceptor is not None:
            raise RuntimeError("SimServer is already started")
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519", comment="clawtui-demo")
        _write_private(self.host_key_path, host_key.export_private_key())
        _write_private(self.client_key, client_key.export_private_key())
        _write_private(Path(f"{self.client_key}.pub"), client_key.export_public_key())
        self._client_public_key = client_key.convert_to_public()
        self.host_key_fingerprint = host_key.get_fingerprint("sha256")
        self._secret = secrets.token_urlsafe(24)

        self._signin = SignInPage(self._secret)
        await self._signin.start(host=LOOPBACK, port=0)
        self.signin_base = self._signin.base_url

        for box in self.boxes.values():
            self._prepare_box(box)

        try:
            self._acceptor = await asyncssh.create_server(
                lambda: _BoxServer(self),
                LOOPBACK,
                0,
                process_factory=self._start_session,
                server_host_keys=[host_key],
                encoding=None,  # sessions see bytes: the child's output goes out untouched
                line_editor=False,  # the child's own terminal does the echo and editing
                agent_forwarding=False,
                x11_forwarding=False,
                allow_pty=True,
                login_timeout=30,
            )
        except BaseException:
            if self._signin is not None:
                await self._signin.stop()
                self._signin = None
            raise
        self.port = self._acceptor.get_port()
        public = host_key.export_public_key("openssh").decode("ascii").split()
        _write_private(self.known_hosts, f"[{LOOPBACK}]:{self.port} {public[0]} {public[1]}\n")

    async def stop(self) -> None:
        """Stop listening, end every program (SIGHUP, then SIGKILL), close every connection."""
        acceptor, self._acceptor = self._acceptor, None
        if acceptor is not None:
            acceptor.close()
        await asyncio.gather(*(session.terminate() for session in list(self._sessions)))
        connections = list(self._connections)
        for connection in connections:
            connection.close()
        await asyncio.gather(*(connection.wait_closed() for connection in connections))
        # Sessions of the connections just closed may have started terminating on their own.
        await asyncio.gather(*(session.terminate() for session in list(self._sessions)))
        if acceptor is not None:
            # Last: from Python 3.12 on this also waits for the connections to be closed.
            await acceptor.wait_closed()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._signin is not None:
            await self._signin.stop()
            self._signin = None

    async def __aenter__(self) -> SimServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----------------------------------------------------------------------------- the boxes

    def home(self, box_name: str) -> Path:
        return self.root / "homes" / box_name

    def bin_dir(self, box_name: str) -> Path:
        return self.root / "bin" / box_name

    def inventory_boxes(self) -> list[Box]:
        """The boxes as clawtui's inventory sees them (valid once started: the port is in)."""
        return [
            Box(
                name=box.name,
                host=LOOPBACK,
                user=box.name,
                port=self.port,
                key=self.client_key,
                known_hosts=self.known_hosts,
                customer=box.customer,
                # Only these boxes may offer the loopback sign-in page's links.
                test_signin_base=self.signin_base,
            )
            for box in self.boxes.values()
        ]

    def write_inventory(self, path: Path) -> None:
        """Write `inventory_boxes()` as an inventory file that `load_inventory` reads back."""
        lines = [f"# Simulated boxes of clawtui's demo SSH server at {LOOPBACK}:{self.port}."]
        for box in self.inventory_boxes():
            lines += [
                "",
                "[[box]]",
                f"name = {_toml_string(box.name)}",
                f"host = {_toml_string(box.host)}",
                f"user = {_toml_string(box.user or '')}",
                f"port = {box.port}",
                f"key = {_toml_string(str(box.key))}",
                f"known_hosts = {_toml_string(str(box.known_hosts))}",
                f"customer = {_toml_string(box.customer)}",
            ]
            if box.test_signin_base:
                lines.append(f"test_signin_base = {_toml_string(box.test_signin_base)}")
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")

    @property
    def signin_page(self) -> SignInPage:
        """The customer's browser stand-in (`code_for(state)` plays the customer)."""
        if self._signin is None:
            raise RuntimeError("SimServer.start() has not been awaited")
        return self._signin

    @property
    def paused_sessions(self) -> int:
        """Sessions whose client is not keeping up, so that their program's output waits (and
        the program blocks once its terminal is full: flow control reaching the box). For tests
        and benchmarks."""
        return sum(1 for session in self._sessions if session.writing_paused)

    def _prepare_box(self, box: SimBox) -> None:
        home = self.home(box.name)
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        config = box.sim_config(
            signin_base=self.signin_base, secret=self._secret, time_scale=self.time_scale
        )
        config.save(home)
        bin_dir = self.bin_dir(box.name)
        bin_dir.mkdir(parents=True, exist_ok=True)
        # The wrappers find this very clawtui even when it is run from a source tree.
        package_parent = Path(clawtui.__file__).resolve().parent.parent
        for program, module_args in WRAPPED_PROGRAMS.items():
            wrapper = bin_dir / program
            if program == "openclaw" and not box.has_openclaw:
                wrapper.unlink(missing_ok=True)
                continue
            # -S: no site-packages to scan (the simulators use only the standard library and
            # clawtui, found through PYTHONPATH): a box runs a program per command, and a batch
            # of 100 boxes starts some 800 of them.
            argv = " ".join(shlex.quote(arg) for arg in (sys.executable, "-S", "-m", *module_args))
            wrapper.write_text(
                "#!/bin/sh\n"
                f"PYTHONPATH={shlex.quote(str(package_parent))}${{PYTHONPATH:+:$PYTHONPATH}}\n"
                "export PYTHONPATH\n"
                f'exec {argv} "$@"\n',
                encoding="utf-8",
            )
            wrapper.chmod(0o755)

    def _environment(self, box: SimBox, term_type: str | None) -> dict[str, str]:
        # Built from scratch: like sshd without AcceptEnv, nothing of the client's leaks in.
        env = {
            "HOME": str(self.home(box.name)),
            "USER": REMOTE_USER,
            "LOGNAME": REMOTE_USER,
            "SHELL": "/bin/bash",
            "PATH": f"{self.bin_dir(box.name)}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            # A literal "$": bash's \\$ would show "#" when the demo runs as root.
            "PS1": f"{REMOTE_USER}@{box.name}:\\w$ ",
        }
        if term_type:
            env["TERM"] = term_type
        return env

    def _authorized(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username in self.boxes and key == self._client_public_key

    def _start_session(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        session = _BoxSession(self, process)
        self._sessions.add(session)
        self._create_task(session.run())

    def _create_task(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class _BoxServer(asyncssh.SSHServer):
    """One client connection: public-key auth, and the user name picks the box."""

    def __init__(self, sim: SimServer) -> None:
        self._sim = sim
        self._connection: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._connection = conn
        self._sim._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._connection is not None:
            self._sim._connections.discard(self._connection)

    def begin_auth(self, username: str) -> bool:
        return True  # always ask for a key, also for unknown users: do not tell who exists

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return self._sim._authorized(username, key)


class _BoxSession:
    """One channel: a program in a PTY (or on pipes). asyncssh's `redirect` carries its input,
    its output (with flow control both ways) and the window-size changes; played here on top:
    how it ended, the hang-up (SIGHUP, then SIGKILL), the no_pty and drop_after_token boxes."""

    def __init__(self, sim: SimServer, process: asyncssh.SSHServerProcess[bytes]) -> None:
        self._sim = sim
        self._process = process
        self._box = sim.boxes[str(process.get_extra_info("username"))]
        self._loop = asyncio.get_running_loop()
        self._child: asyncio.subprocess.Process | None = None
        self._pgid: int | None = None
        self._terminating: asyncio.Task[None] | None = None
        self._dropper: _DropAfterToken | None = None

    @property
    def writing_paused(self) -> bool:
        """The client is not keeping up: output waits for it (and the program, once its
        terminal is full, for us)."""
        return self._process.channel.get_write_buffer_size() > 0

    async def run(self) -> None:
        """Start the program, forward it until it ends, report how, close the channel."""
        self._sim._create_task(self._hang_up_when_closed())
        process = self._process
        # The no_pty box accepts the PTY request and then runs the program on pipes anyway,
        # which is how the seed got "Raw mode is not supported".
        use_pty = process.term_type is not None and self._box.scenario != "no_pty"
        env = self._sim._environment(self._box, process.term_type if use_pty else None)
        if process.command is None:
            argv = ["/bin/bash", "--noprofile", "--norc", "-i"]
        else:
            argv = ["/bin/sh", "-c", process.command]
        ours: list[int] = []  # our ends, until asyncssh takes them over
        theirs: list[int] = []  # the child's ends
        try:
            if use_pty:
                master, slave = os.openpty()
                ours.append(master)
                theirs.append(slave)
                _set_window_size(master, process.term_size)
                stdin = stdout = stderr = slave
                argv = [sys.executable, "-I", "-S", "-c", _CTTY_SHIM, *argv]
            else:
                stdin, input_w = os.pipe()
                output_r, stdout = os.pipe()
                error_r, stderr = os.pipe()
                ours += [input_w, output_r, error_r]
                theirs += [stdin, stdout, stderr]
            # A PTY session needs a session of its own (its controlling terminal); a command
            # without one gets only a process group of its own, to be signalled as one, and
            # stays in the server's session and scheduling autogroup (see _CTTY_SHIM).
            self._child = await asyncio.create_subprocess_exec(
                *argv,
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                env=env,
                cwd=env["HOME"],
                start_new_session=use_pty,
                process_group=None if use_pty else 0,
            )
        except OSError as error:
            for fd in ours:
                os.close(fd)
            with contextlib.suppress(OSError):
                process.stderr.write(f"clawtui sim: cannot start: {error}\r\n".encode())
                process.exit(255)
            return
        finally:
            for fd in theirs:
                os.close(fd)
        child = self._child
        self._pgid = child.pid  # a session or group leader: its pid is its group's id
        self._sim.program_started(child.pid)
        if self._terminating is not None:  # the client left while the child was starting
            for fd in ours:
                os.close(fd)
            self._signal_group(signal.SIGKILL)
            await child.wait()
            return
        # From here on asyncssh owns our ends (and closes them with the channel).
        if use_pty:
            # Input: a copy of the master; end of input is no such thing on a terminal.
            await process.redirect_stdin(master, recv_eof=False)
            if self._box.scenario == "drop_after_token":
                self._dropper = await _DropAfterToken.start(self, master)
            else:
                await process.redirect_stdout(master, send_eof=False)
        else:
            await process.redirect(stdin=input_w, stdout=output_r, stderr=error_r, send_eof=False)
        await child.wait()
        if self._terminating is not None:
            return  # hung up on: the client has gone, or sees the connection go
        await self._linger(use_pty)
        if self._terminating is not None:
            return
        status = child.returncode
        with contextlib.suppress(OSError):
            if status is not None and status < 0:
                process.exit_with_signal(signal.Signals(-status).name.removeprefix("SIG"))
            else:
                process.exit(status if status is not None else 255)

    async def _linger(self, use_pty: bool) -> None:
        """Wait for the output the exited child left to be forwarded. Processes it started
        may still hold its terminal: after a short while they are hung up on, as the kernel
        does when a terminal's session leader exits (OpenSSH's sshd does much the same)."""
        while True:
            try:
                await asyncio.wait_for(self._output_forwarded(use_pty), _LINGER_AFTER_EXIT)
                return
            except TimeoutError:
                if self.writing_paused:
                    continue  # the output waits for the client, not for the child
            except (OSError, asyncssh.Error):
                return  # the channel is gone: nothing more to forward
            self._signal_group(signal.SIGHUP)
            # Stop forwarding: nothing may be written after the exit status.
            if self._dropper is not None:
                self._dropper.close()
            else:
                await self._process.redirect_stdout(asyncssh.PIPE)
                if not use_pty:
                    await self._process.redirect_stderr(asyncssh.PIPE)
            return

    async def _output_forwarded(self, use_pty: bool) -> None:
        # A stream's drain() waits while it is redirected from a source not at its end.
        if self._dropper is not None:
            await self._dropper.ended.wait()
        await self._process.stdout.drain()
        if not use_pty:
            await self._process.stderr.drain()

    async def _hang_up_when_closed(self) -> None:
        # The channel closes when the client hangs up or the connection goes, and after the
        # exit status went out: then the child has exited already and this frees the rest.
        with contextlib.suppress(OSError, asyncssh.Error):
            await self._process.wait_closed()
        await self.terminate()

    async def terminate(self) -> None:
        """End the child (SIGHUP to its group, SIGKILL if it lingers) and free everything.
        Safe to call more than once and from several places: they all wait for the same end."""
        if self._terminating is None:
            self._terminating = self._loop.create_task(self._terminate())
        await asyncio.shield(self._terminating)

    async def _terminate(self) -> None:
        if self._dropper is not None:
            self._dropper.close()
        child = self._child
        if child is not None and child.returncode is None:
            self._signal_group(signal.SIGHUP)
            try:
                await asyncio.wait_for(child.wait(), _HANGUP_GRACE)
            except TimeoutError:
                pass
            # Also whatever the child started in its process group. Only right after the
            # hangup: a group id is free for reuse once its last member is gone.
            self._signal_group(signal.SIGKILL)
            await child.wait()
        self._sim._sessions.discard(self)

    def _signal_group(self, number: signal.Signals) -> None:
        if self._pgid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._pgid, number)


class _DropAfterToken(asyncio.Protocol):
    """The drop_after_token box's terminal output, forwarded by hand because it must be
    watched: once the token went by the link dies as with a dead network, no exit status, no
    goodbye. (That box's programs print little: no flow control is needed here.)"""

    def __init__(self, session: _BoxSession) -> None:
        self._session = session
        self._transport: asyncio.ReadTransport | None = None
        self._tail = b""
        self._dropping = False
        self.ended = asyncio.Event()

    @classmethod
    async def start(cls, session: _BoxSession, master: int) -> _DropAfterToken:
        protocol = cls(session)
        pipe = os.fdopen(master, "rb", buffering=0)
        await session._loop.connect_read_pipe(lambda: protocol, pipe)
        return protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.ReadTransport, transport)

    def data_received(self, data: bytes) -> None:
        if self._dropping:
            return
        process = self._session._process
        try:
            process.stdout.write(data)
        except OSError:  # the channel is closing: the client has gone
            return
        window = self._tail + data
        self._tail = window[-256:]
        if _DROP_MARKER in _ESCAPE_RE.sub(b"", window):
            # The chunk that carried the marker is on its way; nothing after it is sent.
            self._dropping = True
            self.close()
            self._session._sim._create_task(self._abort_when_sent(process.channel))

    def eof_received(self) -> bool | None:
        self.ended.set()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        # EIO from a master whose terminal nobody holds any more is its end of file.
        self.ended.set()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    async def _abort_when_sent(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        loop = self._session._loop
        # Let the token leave the channel's buffer (it waits there only while the client's
        # window is full), then cut the connection.
        deadline = loop.time() + _HANGUP_GRACE
        while chan.get_write_buffer_size() and not chan.is_closing() and loop.time() < deadline:
            await asyncio.sleep(0.01)
        connection = chan.get_extra_info("connection")
        if connection is not None:
            connection.abort()
        await self._session.terminate()


def _set_window_size(fd: int, size: tuple[int, int, int, int]) -> None:
    columns, lines, pixel_width, pixel_height = size
    fcntl.ioctl(
        fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, pixel_width, pixel_height)
    )


def _write_private(path: Path, data: bytes | str) -> None:
    """Write a file only its owner can read (keys, known_hosts), replacing any old one."""
    content = data.encode("ascii") if isinstance(data, str) else data
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(content)


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (same quotes and escapes, \uXXXX included).
    return json.dumps(value, ensure_ascii=False)
