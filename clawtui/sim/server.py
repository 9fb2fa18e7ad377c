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
from typing import Any

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

# One read from a child: the SSH channel's largest packet, so a read is one packet.
_READ_SIZE = 32768
# Input from the client waiting for the child above which we stop reading the channel.
_INPUT_HIGH_WATER = 256 * 1024
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
_CTTY_SHIM = (
    "import fcntl, os, sys, termios\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
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
        """Sessions whose client is not keeping up, so that the server stopped reading the
        program's output (flow control reaching the box). For tests and benchmarks."""
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
            argv = " ".join(shlex.quote(arg) for arg in (sys.executable, "-m", *module_args))
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

    def session_requested(self) -> _BoxSession:
        assert self._connection is not None
        username = str(self._connection.get_extra_info("username"))
        return _BoxSession(self._sim, self._sim.boxes[username])


class _BoxSession(asyncssh.SSHServerSession[bytes]):
    """One channel: a program in a PTY (or pipes), its output to the client, input from it."""

    def __init__(self, sim: SimServer, box: SimBox) -> None:
        self._sim = sim
        self._box = box
        self._loop = asyncio.get_running_loop()
        self._chan: asyncssh.SSHServerChannel[bytes] | None = None
        self._term_type: str | None = None
        self._term_size = (80, 24, 0, 0)
        self._command: str | None = None
        self._use_pty = False
        self._process: asyncio.subprocess.Process | None = None
        self._pgid: int | None = None
        # Output sources still open: fd -> datatype (None = stdout, or stderr's).
        self._outputs: dict[int, int | None] = {}
        self._input_fd: int | None = None
        self._fds: set[int] = set()
        self._pending_input = bytearray()
        self._input_eof = False
        self._input_paused = False
        self._writing_paused = False
        self._exited = False
        self._finished = False
        self._linger: asyncio.TimerHandle | None = None
        self._terminating: asyncio.Task[None] | None = None
        self._tail = b""
        self._dropping = False

    @property
    def writing_paused(self) -> bool:
        return self._writing_paused

    # ----------------------------------------------------------------- requests from the client

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self._chan = chan
        self._sim._sessions.add(self)

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Any
    ) -> bool:
        self._term_type = term_type
        self._term_size = term_size
        # The no_pty box accepts the request and then runs the program on pipes anyway,
        # which is how the seed got "Raw mode is not supported".
        self._use_pty = self._box.scenario != "no_pty"
        return True

    def shell_requested(self) -> bool:
        self._command = None
        return True

    def exec_requested(self, command: str) -> bool:
        self._command = command
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        return False

    def session_started(self) -> None:
        self._sim._create_task(self._run())

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self._pending_input += data
        self._flush_input()

    def eof_received(self) -> bool:
        # On pipes, end of input closes the child's stdin; a terminal has no such thing (the
        # client would send ^D), so on a PTY it is ignored. True keeps our side open for output.
        self._input_eof = True
        self._flush_input()
        return True

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self._term_size = (width, height, pixwidth, pixheight)
        if self._use_pty and self._input_fd is not None:
            # The kernel sends SIGWINCH to the terminal's foreground process group.
            _set_window_size(self._input_fd, self._term_size)

    def signal_received(self, signal_name: str) -> None:
        number = getattr(signal, f"SIG{signal_name}", None)
        if number is not None and self._pgid is not None and not self._exited:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._pgid, number)

    def break_received(self, msec: int) -> bool:
        return False

    def pause_writing(self) -> None:
        # The client is not taking output as fast as the program makes it: stop reading the
        # program, so that it blocks on a full terminal instead of us buffering its flood.
        if not self._writing_paused:
            self._writing_paused = True
            for fd in self._outputs:
                self._loop.remove_reader(fd)

    def resume_writing(self) -> None:
        if self._writing_paused:
            self._writing_paused = False
            for fd in self._outputs:
                self._loop.add_reader(fd, self._on_readable, fd)

    def connection_lost(self, exc: Exception | None) -> None:
        self._sim._create_task(self.terminate())

    # ----------------------------------------------------------------------------- the child

    async def _run(self) -> None:
        if self._terminating is not None:
            return  # the client left before the program could start
        env = self._sim._environment(self._box, self._term_type if self._use_pty else None)
        if self._command is None:
            argv = ["/bin/bash", "--noprofile", "--norc", "-i"]
        else:
            argv = ["/bin/sh", "-c", self._command]
        child_fds: list[int] = []
        try:
            if self._use_pty:
                master, slave = os.openpty()
                child_fds.append(slave)
                self._adopt(master)
                _set_window_size(master, self._term_size)
                self._outputs = {master: None}
                self._input_fd = master
                stdin = stdout = stderr = slave
                argv = [sys.executable, "-I", "-S", "-c", _CTTY_SHIM, *argv]
            else:
                stdin, input_w = os.pipe()
                child_fds.append(stdin)
                self._adopt(input_w)
                output_r, stdout = os.pipe()
                child_fds.append(stdout)
                self._adopt(output_r)
                error_r, stderr = os.pipe()
                child_fds.append(stderr)
                self._adopt(error_r)
                self._outputs = {output_r: None, error_r: asyncssh.EXTENDED_DATA_STDERR}
                self._input_fd = input_w
            self._process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                env=env,
                cwd=env["HOME"],
                start_new_session=True,
            )
        except OSError as error:
            self._close_fds()
            self._finished = True
            self._sim._sessions.discard(self)
            if self._chan is not None:
                with contextlib.suppress(OSError):
                    self._chan.write_stderr(f"clawtui sim: cannot start: {error}\r\n".encode())
                    self._chan.exit(255)
            return
        finally:
            for fd in child_fds:
                os.close(fd)
        self._pgid = self._process.pid  # a session leader: its pid is its group's id
        if self._terminating is not None:  # the client left while the child was starting
            self._signal_group(signal.SIGKILL)
            await self._process.wait()
            return
        if not self._writing_paused:
            for fd in self._outputs:
                self._loop.add_reader(fd, self._on_readable, fd)
        self._flush_input()
        await self._process.wait()
        if self._terminating is not None:
            return  # hung up on: the client has gone, or sees the connection go
        self._exited = True
        self._maybe_finish()
        if not self._finished:
            self._linger = self._loop.call_later(_LINGER_AFTER_EXIT, self._give_up_lingering)

    def _adopt(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self._fds.add(fd)

    def _on_readable(self, fd: int) -> None:
        try:
            data = os.read(fd, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            # EIO: nobody holds the terminal's other side any more; the same as end of file.
            data = b""
        if not data:
            self._loop.remove_reader(fd)
            del self._outputs[fd]
            self._maybe_finish()
            return
        if self._chan is None or self._dropping:
            return
        try:
            self._chan.write(data, self._outputs[fd])
        except OSError:  # the channel is closing: the client has gone
            for output in self._outputs:
                self._loop.remove_reader(output)
            self._sim._create_task(self.terminate())
            return
        if self._box.scenario == "drop_after_token" and self._saw_drop_marker(data):
            self._drop_connection()

    def _flush_input(self) -> None:
        fd = self._input_fd
        if fd is None:
            return  # the child is not started yet: its input waits
        while self._pending_input:
            try:
                written = os.write(fd, self._pending_input)
            except BlockingIOError:
                self._loop.add_writer(fd, self._flush_input)
                break
            except OSError:  # the child is gone: its input goes nowhere
                self._pending_input.clear()
                break
            del self._pending_input[:written]
        else:
            self._loop.remove_writer(fd)
            if self._input_eof and not self._use_pty and fd in self._fds:
                self._close_fd(fd)
                self._input_fd = None
        # Flow control the other way: a client pasting faster than the child reads.
        if self._chan is not None:
            if not self._input_paused and len(self._pending_input) > _INPUT_HIGH_WATER:
                self._input_paused = True
                self._chan.pause_reading()
            elif self._input_paused and len(self._pending_input) <= _INPUT_HIGH_WATER // 4:
                self._input_paused = False
                self._chan.resume_reading()

    def _maybe_finish(self) -> None:
        if self._finished or not self._exited or self._outputs:
            return
        self._finish()

    def _give_up_lingering(self) -> None:
        self._linger = None
        if self._finished:
            return
        if self._writing_paused:  # output is waiting for the client, not for the child
            self._linger = self._loop.call_later(_LINGER_AFTER_EXIT, self._give_up_lingering)
            return
        # Something the child started still holds the output open: hang up on it, as the
        # kernel does when a terminal's session leader exits.
        self._signal_group(signal.SIGHUP)
        self._finish()

    def _finish(self) -> None:
        """The child has exited and its output is forwarded: report how it ended, close."""
        self._finished = True
        if self._linger is not None:
            self._linger.cancel()
        self._close_fds()
        self._sim._sessions.discard(self)
        if self._chan is None or self._process is None or self._dropping:
            return
        status = self._process.returncode
        with contextlib.suppress(OSError):
            if status is not None and status < 0:
                self._chan.exit_with_signal(signal.Signals(-status).name.removeprefix("SIG"))
            else:
                self._chan.exit(status if status is not None else 255)

    async def terminate(self) -> None:
        """End the child (SIGHUP to its group, SIGKILL if it lingers) and free everything.
        Safe to call more than once and from several places: they all wait for the same end."""
        if self._terminating is None:
            self._terminating = self._loop.create_task(self._terminate())
        await asyncio.shield(self._terminating)

    async def _terminate(self) -> None:
        process = self._process
        if process is not None and process.returncode is None:
            self._close_fds()  # a PTY's master closing is a hangup, as when sshd loses a client
            self._signal_group(signal.SIGHUP)
            try:
                await asyncio.wait_for(process.wait(), _HANGUP_GRACE)
            except TimeoutError:
                pass
            # Also whatever the child started in its process group. Only right after the
            # hangup: a group id is free for reuse once its last member is gone.
            self._signal_group(signal.SIGKILL)
            await process.wait()
        self._exited = True
        self._finished = True
        if self._linger is not None:
            self._linger.cancel()
        self._close_fds()
        self._sim._sessions.discard(self)

    def _signal_group(self, number: signal.Signals) -> None:
        if self._pgid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._pgid, number)

    # ----------------------------------------------------------------------- drop_after_token

    def _saw_drop_marker(self, data: bytes) -> bool:
        window = self._tail + data
        self._tail = window[-256:]
        return _DROP_MARKER in _ESCAPE_RE.sub(b"", window)

    def _drop_connection(self) -> None:
        """Lose the link as a dead network would: no exit status, no goodbye. The chunk that
        carried the marker is already on its way; nothing after it is sent."""
        self._dropping = True
        for fd in self._outputs:
            self._loop.remove_reader(fd)
        self._sim._create_task(self._abort_when_sent())

    async def _abort_when_sent(self) -> None:
        chan = self._chan
        if chan is None:
            return
        # Let the token leave the channel's buffer (it waits there only while the client's
        # window is full), then cut the connection.
        deadline = self._loop.time() + _HANGUP_GRACE
        while (
            chan.get_write_buffer_size() and not chan.is_closing() and self._loop.time() < deadline
        ):
            await asyncio.sleep(0.01)
        connection = chan.get_extra_info("connection")
        if connection is not None:
            connection.abort()
        await self.terminate()

    # ----------------------------------------------------------------------------- plumbing

    def _close_fd(self, fd: int) -> None:
        if fd in self._fds:
            self._fds.discard(fd)
            self._loop.remove_reader(fd)
            self._loop.remove_writer(fd)
            with contextlib.suppress(OSError):
                os.close(fd)

    def _close_fds(self) -> None:
        for fd in list(self._fds):
            self._close_fd(fd)
        self._outputs = {}
        self._input_fd = None


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
