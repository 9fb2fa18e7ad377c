"""Record what the real OpenClaw 2026.9.6 prints for the commands clawtui runs after the paste.

    .venv/bin/python -m tests.real.record_openclaw [FOLDER]   (default tests/data/openclaw-real)

Runs as root, like the `real` tests: a fresh box behind OpenSSH's sshd (offline, no systemd),
Node 24 and OpenClaw from the npm cache, each command through OpenSSH's `ssh` without a terminal,
as clawtui runs them. Each command's exact stdout, stderr and exit status go to one JSON file,
with two substitutions so the files hold nothing of this machine and no secret: the fabricated
token (never shown by OpenClaw but its last 8 characters) is replaced by a fixed fake one of the
same length, and the box's home folder and user name by `/home/ubuntu` and `ubuntu`.
"""

from __future__ import annotations

import json
import pwd
import shutil
import sys
import tempfile
import time
from pathlib import Path

from clawtui.sim.claude import random_token
from tests.real.installs import ensure_real_programs
from tests.real.readback import SshResult, openssh
from tests.real.sshd import SIM_TOKEN_LENGTH, SshdBox, stage_programs

DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / "data" / "openclaw-real"
MODEL = "anthropic/claude-sonnet-4-6"
#: The token that stands in for the fabricated one in the files: prefix, then a filler that says
#: what it is, cut to the same length so line wrapping is unchanged.
_PREFIX = "sk-ant-oat01-"

#: (file name, command, what goes to stdin) in the order they run on one fresh box.
STEPS: tuple[tuple[str, str, bool], ...] = (
    ("models-status-json-fresh", "openclaw models status --json", False),
    ("models-status-check-fresh", "openclaw models status --check", False),
    (
        "paste-token-expires-365d",
        "openclaw models auth paste-token --provider anthropic --expires-in 365d",
        True,
    ),
    ("models-status-after-paste", "openclaw models status", False),
    ("models-status-json-after-paste", "openclaw models status --json", False),
    ("models-status-check-before-set", "openclaw models status --check", False),
    ("models-set", f"openclaw models set {MODEL}", False),
    ("models-status-check-after-set", "openclaw models status --check", False),
    ("models-status-json-after-set", "openclaw models status --json", False),
    ("gateway-restart", "openclaw gateway restart", False),
    ("gateway-status-json", "openclaw gateway status --json", False),
)


def stand_in(length: int) -> str:
    filler = "FABRICATEDxTOKENxFORxFIXTURES" * 8
    return (_PREFIX + filler)[:length]


class Scrubber:
    def __init__(self, box: SshdBox, token: str, openclaw_bin: Path) -> None:
        fake = stand_in(len(token))
        uid = pwd.getpwnam(box.user).pw_uid
        self.pairs = [
            (token, fake),
            (token[-8:], fake[-8:]),
            (str(box.home), "/home/ubuntu"),
            (str(openclaw_bin), "/usr/bin"),  # where `npm install -g` puts it on Ubuntu
            (f"/tmp/openclaw-{uid}", "/tmp/openclaw-1000"),
            (box.user, "ubuntu"),
        ]

    def __call__(self, text: str) -> str:
        for real, fake in self.pairs:
            text = text.replace(real, fake)
        return text


def record(folder: Path) -> None:
    programs = ensure_real_programs()
    stage = Path(tempfile.mkdtemp(prefix="clawtui-real-programs-"))
    stage.chmod(0o755)
    box: SshdBox | None = None
    try:
        staged = stage_programs(programs, stage)
        box = SshdBox(path_first=[staged.node_bin, staged.openclaw_bin])
        box.start()
        token = random_token(SIM_TOKEN_LENGTH)
        scrub = Scrubber(box, token, staged.openclaw_bin)
        version = openssh(box, "openclaw --version; node --version")
        folder.mkdir(parents=True, exist_ok=True)
        for name, command, with_token in STEPS:
            started = time.monotonic()
            result: SshResult = openssh(
                box, command, stdin=(token + "\n").encode() if with_token else b""
            )
            seconds = time.monotonic() - started
            document = {
                "command": command,
                "stdin": "<the token, then a newline>" if with_token else "",
                "exit_status": result.exit_status,
                "stdout": scrub(result.stdout),
                "stderr": scrub(result.stderr),
                "seconds": round(seconds, 1),
                "recorded_with": scrub(version.stdout).split(),
                "box": "OpenSSH sshd, no terminal, offline (loopback only), no systemd",
            }
            path = folder / f"{name}.json"
            path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
            print(f"{name}: exit {result.exit_status} in {seconds:.1f} s", flush=True)
            assert token not in path.read_text("utf-8")
    finally:
        if box is not None:
            box.stop()
        shutil.rmtree(stage, ignore_errors=True)


if __name__ == "__main__":
    record(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FOLDER)
