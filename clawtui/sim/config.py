"""The contract between the simulated SSH server and the simulated programs on a demo box.

The server writes one `SimConfig` as JSON to `$HOME/.clawsim.json` of each demo box; the
simulated `claude`, `openclaw` (and helpers such as `node`, `free`) read it from there. A file in
HOME rather than environment variables, because SSH servers (OpenSSH's sshd included) drop most
environment variables, and the same executables must work under any of them.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

CONFIG_NAME = ".clawsim.json"

GENERATIONS = ("2.1.197", "2.1.332")

#: How the simulated OpenClaw gateway behaves after a paste (FLOW.md, "After the paste").
GATEWAY_STATES = (
    "service",  # runs as the systemd user unit openclaw-gateway.service; a restart works
    "no_service_manager",  # no systemd user services: restart exits 0 with `Tip:` lines
    "restart_fails",  # the unit exists but the restart fails
    "live",  # the running gateway picked the new auth up itself: no warning after the paste
)

#: A fresh OpenClaw 2026.9.6 config defaults to this model (FLOW.md).
FRESH_DEFAULT_MODEL = "openai/gpt-6-astra"

#: Each failure scenario lives on a demo box of its own.
SCENARIOS = (
    "happy",  # everything works
    "code_refused",  # the sign-in service refuses every code (400 / "wasn't accepted")
    "service_unreachable",  # the sign-in service cannot be reached (EAI_AGAIN / ECONNREFUSED)
    "no_pty",  # the server ignores the PTY request: "Raw mode is not supported ..."
    "slow_start",  # the URL appears after about 12 s, as the seed saw
    "openclaw_missing",  # no `openclaw` on PATH
    "openclaw_placeholder",  # npm installed openclaw 0.0.1 (no command) on an old Node
    "drop_after_token",  # the SSH connection drops right after the token is printed
    "verify_mismatch",  # openclaw stores a different token than the one pasted
    "low_memory",  # under 2 GB of RAM and Node 22: box checks complain
)


@dataclass
class SimConfig:
    box: str
    generation: str = "2.1.332"
    scenario: str = "happy"
    #: Base URL of the simulated customer browser page (the sign-in service stand-in).
    signin_base: str = "http://127.0.0.1:0"
    #: Shared secret: the page shows HMAC(secret, state) as the code; `claude` checks it.
    secret: str = ""
    #: Multiplies every built-in delay of the simulated programs (tests use a small factor).
    time_scale: float = 1.0
    node_version: str = "v24.21.0"
    openclaw_version: str = "2026.9.6"
    mem_total_mb: int = 3936
    #: Length of the token `claude` prints; 0 means random from 80 to 120, as seen in the field.
    token_length: int = 0
    #: Shortest token `openclaw` accepts ("Token looks too short; paste the full setup-token").
    openclaw_min_token_length: int = 80
    #: How many pastes `openclaw` loses before it takes one (provokes "Required" on Enter).
    openclaw_ignore_pastes: int = 0
    #: An origin such as "https://claude.ai.evil.example": `claude` first prints a whole sign-in
    #: block (lead-in, a link there, a code prompt), as a hostile wrapper or login script could,
    #: then its own. clawtui must warn about that host and wait for the real link.
    foreign_link: str = ""
    #: The default model of the box's OpenClaw config before anyone changes it.
    openclaw_default_model: str = FRESH_DEFAULT_MODEL
    #: One of GATEWAY_STATES.
    gateway: str = "service"
    #: When above 0, OpenClaw records at most this many days of validity whatever
    #: `--expires-in` says (a token about to expire); below 0, one already expired.
    openclaw_expiry_cap_days: float = 0.0

    @property
    def claude_version(self) -> str:
        return self.generation

    def save(self, home: Path) -> Path:
        path = Path(home) / CONFIG_NAME
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, home: Path | None = None) -> SimConfig:
        home = Path(home) if home is not None else Path(os.environ.get("HOME", "~")).expanduser()
        data = json.loads((home / CONFIG_NAME).read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def delays_log(home: Path) -> Path:
    """Every built-in delay a simulated program waits is appended here (seconds, one a line),
    so a benchmark can subtract the simulator's own time from a wall-clock measurement."""
    return Path(home) / ".clawsim" / "delays.log"
