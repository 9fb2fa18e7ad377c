"""The contract between the simulated SSH server and the simulated programs on a demo box.

The server writes one `SimConfig` as JSON to `$HOME/.clawsim.json` of each demo box; the
simulated `claude`, `openclaw` (and helpers such as `node`, `free`) read it from there. A file in
HOME rather than environment variables, because SSH servers (OpenSSH's sshd included) drop most
environment variables, and the same executables must work under any of them.
"""

from __future__ import annotations

import json
import os

# The simulated programs read their config at every start, each a new Python process: they use
# str paths and os.path, as pathlib (with urllib.parse) would add 3 ms to every command. The server
# and the tests may pass a Path wherever a folder is taken.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import TypeAlias

    StrPath: TypeAlias = str | os.PathLike[str]

CONFIG_NAME = ".clawsim.json"
#: Where under HOME the simulated programs log their delays (`delays_log`).
DELAYS_LOG = os.path.join(".clawsim", "delays.log")

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


class SimConfig:
    """A demo box's knobs. A plain class rather than a dataclass: every simulated command is a
    new Python process that reads one, and `dataclasses` (it imports `inspect`) would add about
    10 ms to each start. It keeps what the dataclass gave its users: keyword (or positional)
    construction with these defaults, equality and repr over `FIELDS`, in that order."""

    __slots__ = (
        "box",
        "generation",
        "scenario",
        "signin_base",
        "secret",
        "time_scale",
        "node_version",
        "openclaw_version",
        "mem_total_mb",
        "token_length",
        "openclaw_min_token_length",
        "openclaw_ignore_pastes",
        "banner_token",
        "foreign_link",
        "openclaw_default_model",
        "gateway",
        "openclaw_expiry_cap_days",
    )
    #: Every knob, in the order `save` writes them (the box's `.clawsim.json`).
    FIELDS = __slots__

    def __init__(
        self,
        box: str,
        generation: str = "2.1.332",
        scenario: str = "happy",
        signin_base: str = "http://127.0.0.1:0",
        secret: str = "",
        time_scale: float = 1.0,
        node_version: str = "v24.21.0",
        openclaw_version: str = "2026.9.6",
        mem_total_mb: int = 3936,
        token_length: int = 0,
        openclaw_min_token_length: int = 80,
        openclaw_ignore_pastes: int = 0,
        banner_token: bool = False,
        foreign_link: str = "",
        openclaw_default_model: str = FRESH_DEFAULT_MODEL,
        gateway: str = "service",
        openclaw_expiry_cap_days: float = 0.0,
    ) -> None:
        self.box = box
        self.generation = generation
        self.scenario = scenario
        #: Base URL of the simulated customer browser page (the sign-in service stand-in).
        self.signin_base = signin_base
        #: Shared secret: the page shows HMAC(secret, state) as the code; `claude` checks it.
        self.secret = secret
        #: Multiplies every built-in delay of the simulated programs (tests use a small factor).
        self.time_scale = time_scale
        self.node_version = node_version
        self.openclaw_version = openclaw_version
        self.mem_total_mb = mem_total_mb
        #: Length of the token `claude` prints; 0 means random from 80 to 120, as seen in the field.
        self.token_length = token_length
        #: Shortest token `openclaw` accepts ("Token looks too short; paste the full setup-token").
        self.openclaw_min_token_length = openclaw_min_token_length
        #: How many pastes `openclaw` loses before it takes one (provokes "Required" on Enter).
        self.openclaw_ignore_pastes = openclaw_ignore_pastes
        #: A wrapper (a login script) prints a complete token block before `claude setup-token`
        #: starts: a token nobody signed in for, which clawtui must ignore. Its value is written
        #: to `.clawsim/banner_token` in HOME, so a test can tell it from the real one.
        self.banner_token = banner_token
        #: An origin such as "https://claude.ai.evil.example": `claude` first prints a whole
        #: sign-in block (lead-in, a link there, a code prompt), as a hostile wrapper or login
        #: script could, then its own. clawtui must warn about that host and wait for the real
        #: link.
        self.foreign_link = foreign_link
        #: The default model of the box's OpenClaw config before anyone changes it.
        self.openclaw_default_model = openclaw_default_model
        #: One of GATEWAY_STATES.
        self.gateway = gateway
        #: When above 0, OpenClaw records at most this many days of validity whatever
        #: `--expires-in` says (a token about to expire); below 0, one already expired.
        self.openclaw_expiry_cap_days = openclaw_expiry_cap_days

    def as_dict(self) -> dict[str, object]:
        """Every knob by name, in the order of `FIELDS` (what `dataclasses.asdict` gave)."""
        return {name: getattr(self, name) for name in self.FIELDS}

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.as_dict() == other.as_dict()

    def __repr__(self) -> str:
        knobs = ", ".join(f"{name}={value!r}" for name, value in self.as_dict().items())
        return f"{type(self).__qualname__}({knobs})"

    @property
    def claude_version(self) -> str:
        return self.generation

    def save(self, home: StrPath) -> Path:
        from pathlib import Path  # here: only the server and the tests save a config

        path = Path(home) / CONFIG_NAME
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, home: StrPath | None = None) -> SimConfig:
        if home is None:
            home = os.path.expanduser(os.environ.get("HOME", "~"))
        with open(os.path.join(home, CONFIG_NAME), encoding="utf-8") as file:
            data = json.loads(file.read())
        known = set(cls.FIELDS)
        return cls(**{key: value for key, value in data.items() if key in known})


def code_for_state(secret: str, state: str) -> str:
    """The code the sign-in page (`clawtui.sim.signin`) shows for `state`, which the simulated
    `claude` checks: HMAC-SHA256 keyed by the box's shared secret, base64url without padding,
    48 characters like the real codes, never containing `#`. Here rather than with the page, so
    that `claude` has it without importing the page's HTTP server."""
    import base64  # here: only `claude setup-token` and the page need them
    import hashlib
    import hmac

    key = secret.encode("utf-8")
    digest = hmac.new(key, state.encode("utf-8"), hashlib.sha256).digest()
    # 4 more bytes from a second HMAC make 36 bytes = 48 base64 characters, the real length.
    extra = hmac.new(key, b"len48:" + state.encode("utf-8"), hashlib.sha256).digest()[:4]
    return base64.urlsafe_b64encode(digest + extra).decode("ascii").rstrip("=")


def delays_log(home: StrPath) -> Path:
    """Every built-in delay a simulated program waits is appended here (seconds, one a line),
    so a benchmark can subtract the simulator's own time from a wall-clock measurement."""
    from pathlib import Path  # here: the programs themselves join DELAYS_LOG to HOME

    return Path(home) / DELAYS_LOG
