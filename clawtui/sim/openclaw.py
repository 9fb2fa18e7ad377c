"""A simulated `openclaw` CLI (2026.9.6): paste-token, models status, auth list, --version.

clawtui pastes the captured token into `openclaw models auth paste-token --provider anthropic`
on the customer's box and then verifies it with `openclaw models status` / `models auth list
--json`. This stand-in reproduces the recordings in tests/data: the clack-style prompt (`◆`, `│`,
`└`), the `▪` masking that wraps, the validation messages drawn in yellow, the quirk that a paste
containing a newline clears the input, `Cancelled.` on Ctrl-C, and the success block. It stores
what a real install stores (`~/.openclaw/openclaw.json` and the token in
`~/.openclaw/state/openclaw.sqlite`), so verification reads back what was pasted. Standard
library only: it runs on the box as `python -m clawtui.sim.openclaw`.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

from clawtui.sim._term import (
    HIDE_CURSOR,
    SHOW_CURSOR,
    Delays,
    Key,
    Output,
    TerminalProgram,
    eprint,
    load_config,
    stdin_is_terminal,
    terminal_size,
)
from clawtui.sim.config import SimConfig

# Every openclaw command is a new Python process: modules that only some commands need (sqlite3,
# secrets, random) are imported where they are used, `typing` and `pathlib` not at all (paths
# are str, as in clawtui.sim.config).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from clawtui.sim.config import StrPath

COMMIT = "eb377ac"
TOKEN_PREFIX = "sk-ant-oat01-"
PROFILE_ID = "anthropic:manual"

TAGLINES = (
    "Claws out, commit in—let's ship something mildly responsible.",
    "Your 'quick fix' from March is now load-bearing.",
    "Powered by open source, sustained by spite and good documentation.",
    "I don't judge, but your missing API keys are absolutely judging you.",
    'I run on caffeine, JSON5, and the audacity of "it worked on my machine."',
    "If you can describe it, I can probably automate it—or at least make it funnier.",
)

GATEWAY_NOTICE = (
    "Installed Gateway service state and config paths could not be verified. Inspect the "
    "service environment with `openclaw gateway status --deep` before repairing plugin state."
)

GATEWAY_WARNING = (
    "Warning: Model auth changes were saved, but the local Gateway could not refresh them. "
    "Run `openclaw gateway restart` to apply the saved changes."
)

SUCCESS_LINES = (
    "Updated config: \x1b[38;5;138m~/.openclaw/openclaw.json\x1b[39m",
    f"Auth profile: {PROFILE_ID} (anthropic/token)",
    "Anthropic setup-token auth is supported in OpenClaw.",
    "OpenClaw prefers Claude CLI reuse when it is available on the host.",
    "Anthropic staff told us this OpenClaw path is allowed again.",
)

REQUIRED = "Required"
BAD_PREFIX = f"Expected token starting with {TOKEN_PREFIX}"
TOO_SHORT = "Token looks too short; paste the full setup-token"

MASK = "▪"
CURSOR = "\x1b[7m\x1b[8m_\x1b[28m\x1b[27m"  # clack's block cursor: a concealed `_`, reversed


# --- storage ------------------------------------------------------------------------------------


def config_path(home: StrPath) -> str:
    return os.path.join(home, ".openclaw", "openclaw.json")


def database_path(home: StrPath) -> str:
    return os.path.join(home, ".openclaw", "state", "openclaw.sqlite")


def read_text(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read()


def write_text(path: str, text: str) -> None:
    """Write a file, making its folder first (0700, as OpenClaw makes its own)."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)


def read_config(home: StrPath) -> dict[str, Any]:
    try:
        data = json.loads(read_text(config_path(home)))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def timestamp() -> str:
    """Now, in UTC, as OpenClaw writes it into openclaw.json and its state database."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def write_config(home: StrPath, data: dict[str, Any], version: str) -> None:
    config_file = config_path(home)
    now = timestamp()
    data["meta"] = {"lastTouchedVersion": version, "lastTouchedAt": now}
    temporary = config_file + ".tmp"
    write_text(temporary, json.dumps(data, indent=2) + "\n")
    os.chmod(temporary, 0o600)
    os.replace(temporary, config_file)


def store_token(
    home: StrPath, token: str, version: str, *, expires_at_ms: int | None = None
) -> None:
    """Save the profile in openclaw.json and the token in the state database (both 0600)."""
    import sqlite3  # here: only the commands that touch the token need it

    data = read_config(home)
    auth = data.setdefault("auth", {})
    profiles = auth.setdefault("profiles", {})
    profiles[PROFILE_ID] = {"provider": "anthropic", "mode": "token"}
    if expires_at_ms is not None:
        profiles[PROFILE_ID]["expiresAt"] = expires_at_ms
    now = timestamp()
    write_config(home, data, version)

    database = database_path(home)
    os.makedirs(os.path.dirname(database), mode=0o700, exist_ok=True)
    with sqlite3.connect(database) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS auth_profiles (profile_id TEXT PRIMARY KEY, "
            "provider TEXT NOT NULL, mode TEXT NOT NULL, secret TEXT NOT NULL, "
            "updated_at TEXT NOT NULL)"
        )
        connection.execute(
            "INSERT OR REPLACE INTO auth_profiles VALUES (?, ?, ?, ?, ?)",
            (PROFILE_ID, "anthropic", "token", token, now),
        )
    connection.close()
    os.chmod(database, 0o600)


def stored_token(home: StrPath) -> str | None:
    """The token stored for anthropic:manual, if the profile exists in both places."""
    import sqlite3  # here: only the commands that touch the token need it

    try:
        data = json.loads(read_text(config_path(home)))
        if PROFILE_ID not in data.get("auth", {}).get("profiles", {}):
            return None
    except (OSError, ValueError, AttributeError):
        return None
    database = database_path(home)
    if not os.path.exists(database):
        return None
    connection = sqlite3.connect(database)
    try:
        row = connection.execute(
            "SELECT secret FROM auth_profiles WHERE profile_id = ?", (PROFILE_ID,)
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return str(row[0]) if row else None


def mismatched(token: str) -> str:
    """Scenario verify_mismatch: the token with its last characters changed."""
    import secrets  # here: only this scenario needs it
    import string

    alphabet = string.ascii_letters + string.digits
    tail = "".join(
        secrets.choice([c for c in alphabet if c != original]) for original in token[-4:]
    )
    return token[:-4] + tail


def validate(token: str, min_length: int) -> str | None:
    """The message openclaw shows for this input, or None when it takes it."""
    if not token:
        return REQUIRED
    if not token.startswith(TOKEN_PREFIX):
        return BAD_PREFIX
    if len(token) < min_length:
        return TOO_SHORT
    return None


def banner(config: SimConfig, columns: int, tagline: str, colour: bool = True) -> str:
    version = config.openclaw_version
    plain = f"OpenClaw {version} ({COMMIT})"
    if not colour:
        return (
            f"{plain} — {tagline}"
            if len(plain) + 3 + len(tagline) <= columns
            else (f"{plain}\n{tagline}")
        )
    head = (
        f"\x1b[1m\x1b[38;5;209mOpenClaw\x1b[39m\x1b[22m \x1b[38;5;216m{version}\x1b[39m "
        f"\x1b[38;5;138m({COMMIT})\x1b[39m"
    )
    if len(plain) + 3 + len(tagline) <= columns:
        return f"{head} \x1b[38;5;138m—\x1b[39m \x1b[38;5;167m{tagline}\x1b[39m"
    return f"{head}\n\x1b[38;5;167m{tagline}\x1b[39m"


# --- the paste-token prompt ---------------------------------------------------------------------


def input_lines(
    bar: str, count: int, columns: int, *, cursor: bool, style: tuple[str, str] = ("", "")
) -> list[str]:
    """The masked value under the prompt, wrapped the way clack (wrap-ansi) does it.

    The mask is one long word: when it no longer fits after the `│  ` bar it moves to a line of
    its own, and when it is wider than the terminal it is cut at the edge. `style` is the SGR
    pair around each run of the mask (dim once submitted, dim and struck through if cancelled).
    """
    on, off = style
    tail = CURSOR if cursor else ""
    cells = count + (1 if cursor else 0)

    def masked(n: int) -> str:
        return f"{on}{MASK * n}{off}" if n else ""

    if 3 + cells <= columns:
        return [bar + masked(count) + tail]
    if cells <= columns:
        return [bar, masked(count) + tail]
    lines = [bar + masked(columns - 3)]
    rest = count - (columns - 3)
    while rest > columns:
        lines.append(masked(columns))
        rest -= columns
    if cursor and rest == columns:
        lines += [masked(rest), tail]
    else:
        lines.append(masked(rest) + tail)
    return lines


class PasteToken(TerminalProgram):
    """`openclaw models auth paste-token --provider anthropic` on a terminal."""

    def __init__(
        self, config: SimConfig, home: StrPath, out: Output, expires_at_ms: int | None = None
    ) -> None:
        super().__init__(out)
        self.config = config
        self.home = home
        self.expires_at_ms = expires_at_ms
        self.delays = Delays(config, home)
        self.columns, self.rows = terminal_size(0, 1)
        self.value = ""
        self.state = "starting"  # starting, active, error, submitted, cancelled
        self.message = ""
        self.frame: list[str] = []
        self.pastes_to_lose = max(0, int(config.openclaw_ignore_pastes))

    def build(self) -> list[str]:
        title = "\x1b[38;5;209mPaste token for anthropic\x1b[39m"
        n = len(self.value)
        if self.state == "active":
            return [
                f"\x1b[36m◆\x1b[39m  {title}",
                *input_lines("\x1b[36m│\x1b[39m  ", n, self.columns, cursor=True),
                "\x1b[36m└\x1b[39m",
            ]
        if self.state == "error":
            return [
                f"\x1b[33m▲\x1b[39m  {title}",
                *input_lines("\x1b[33m│\x1b[39m  ", n, self.columns, cursor=False),
                f"\x1b[33m└\x1b[39m  \x1b[33m{self.message}\x1b[39m",
            ]
        if self.state == "submitted":
            return [
                f"\x1b[32m◇\x1b[39m  {title}",
                *input_lines(
                    "\x1b[90m│\x1b[39m  ",
                    n,
                    self.columns,
                    cursor=False,
                    style=("\x1b[2m", "\x1b[22m"),
                ),
            ]
        lines = [
            f"\x1b[31m■\x1b[39m  {title}",
            *input_lines(
                "\x1b[90m│\x1b[39m  ",
                n,
                self.columns,
                cursor=False,
                style=("\x1b[9m\x1b[2m", "\x1b[22m\x1b[29m"),
            ),
        ]
        return lines + (["\x1b[90m│\x1b[39m"] if n else [])

    def render(self) -> None:
        new = self.build()
        old = self.frame
        height = 1 + len(old)  # the grey `│` above the prompt, then the frame
        self.frame = new
        if len(old) == len(new):
            changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
            if not changed:
                return
            if changed == [len(new) - 2] and self.state == "active":
                # only the last input line changed: redraw that line alone, as clack does
                line = changed[0] + 1
                self.out.write(
                    f"\x1b[999D\x1b[{height}A\x1b[{line}B\x1b[2K\x1b[G{new[changed[0]]}"
                    f"\x1b[{height - line}B"
                )
                return
            first = changed[0]
        else:
            first = next(
                (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                min(len(old), len(new)),
            )
        self.out.write(
            f"\x1b[999D\x1b[{height}A\x1b[{first + 1}B\x1b[J"
            + "".join(line + "\n" for line in new[first:])
        )

    async def _start(self) -> None:
        import random  # here: only paste-token needs it

        write = self.out.write
        await self.delays.wait(1.2)
        write(HIDE_CURSOR + "\x1b[90m│\x1b[39m\n")
        await self.delays.wait(0.1)
        write(SHOW_CURSOR + "\x1b[32m◇\x1b[39m  \n\r\x1b[2K")
        tagline = random.choice(TAGLINES)
        write("\n" + banner(self.config, self.columns, tagline) + "\n\n")
        await self.delays.wait(0.35)
        write(GATEWAY_NOTICE + "\n")
        await self.delays.wait(0.4)
        self.state = "active"
        self.frame = self.build()
        write(HIDE_CURSOR + "\x1b[90m│\x1b[39m\n" + "".join(line + "\n" for line in self.frame))

    def _on_key(self, key: Key) -> None:
        if self.state not in ("active", "error"):
            return
        if key.kind == "paste" or (key.kind == "text" and len(key.text) > 1):
            if self.pastes_to_lose:
                self.pastes_to_lose -= 1  # the scenario: this paste never reaches the prompt
                return
            for char in key.text:
                if char in "\r\n":
                    self._edit("")  # the quirk: a newline inside a paste clears the input
                elif char >= " " and char != "\x7f":
                    self._edit(self.value + char)
        elif key.kind == "text":
            self._edit(self.value + key.text)
        elif key.kind == "linefeed":
            self._edit("")
        elif key.kind == "backspace":
            self._edit(self.value[:-1])
        elif key.kind == "enter":
            self._submit()
        elif key.kind == "ctrl_c":
            self._cancel()

    def _edit(self, value: str) -> None:
        self.value = value
        self.state = "active"
        self.render()

    def _submit(self) -> None:
        token = self.value.strip()
        problem = validate(token, self.config.openclaw_min_token_length)
        if problem is not None:
            self.state, self.message = "error", problem
            self.render()
            return
        self.state = "submitted"
        self.render()
        self.out.write(SHOW_CURSOR)
        self._spawn(self._save(token))

    async def _save(self, token: str) -> None:
        await self.delays.wait(1.85)
        saved = mismatched(token) if self.config.scenario == "verify_mismatch" else token
        store_token(
            self.home, saved, self.config.openclaw_version, expires_at_ms=self.expires_at_ms
        )
        # On a real box this line goes to stderr; in a terminal both end up on the screen.
        warning = [GATEWAY_WARNING] if self.config.gateway != "live" else []
        self.out.write("".join(line + "\n" for line in [*warning, *SUCCESS_LINES]))
        await self.delays.wait(0.1)
        self._finish(0)

    def _cancel(self) -> None:
        self.state = "cancelled"
        self.render()
        self.out.write(SHOW_CURSOR + "\x1b[90m└\x1b[39m  \x1b[31mCancelled.\x1b[39m\n\n")
        self._finish(0)

    def _on_resize(self) -> None:
        self.columns, self.rows = terminal_size(0, 1)


def paste_token_from_pipe(
    config: SimConfig, home: StrPath, expires_at_ms: int | None = None
) -> int:
    """`echo "$TOKEN" | openclaw models auth paste-token --provider anthropic`."""
    import random  # here: only paste-token needs it

    delays = Delays(config, home)
    delays.wait_blocking(1.2)
    print("│\n◇\n")
    print(banner(config, 80, random.choice(TAGLINES), colour=False) + "\n")
    print(GATEWAY_NOTICE)
    token = next((line.strip() for line in sys.stdin.read().splitlines() if line.strip()), "")
    problem = validate(token, config.openclaw_min_token_length)
    if problem is not None:
        eprint(f"Error: {problem}\n")
        return 1
    delays.wait_blocking(1.0)
    saved = mismatched(token) if config.scenario == "verify_mismatch" else token
    store_token(home, saved, config.openclaw_version, expires_at_ms=expires_at_ms)
    if config.gateway != "live":
        eprint(GATEWAY_WARNING + "\n")
    for line in SUCCESS_LINES:
        print(line.replace("\x1b[38;5;138m", "").replace("\x1b[39m", ""))
    return 0


def paste_token(config: SimConfig, home: StrPath, args: list[str]) -> int:
    provider = _option(args, "--provider")
    if provider is None:
        eprint("error: required option '--provider <id>' not specified\n")
        return 1
    if provider != "anthropic":
        eprint(f'error: provider "{provider}" does not accept a pasted token\n')
        return 1
    expires_in = _option(args, "--expires-in")
    expires_at_ms = None
    if expires_in is not None:
        seconds = parse_duration(expires_in)
        if seconds is None:
            eprint(f'error: invalid duration "{expires_in}" for --expires-in (e.g. 365d)\n')
            return 1
        cap = config.openclaw_expiry_cap_days
        if cap:
            seconds = min(seconds, cap * 86400) if cap > 0 else cap * 86400
        expires_at_ms = int((time.time() + seconds) * 1000)
    if not stdin_is_terminal():
        return paste_token_from_pipe(config, home, expires_at_ms)
    return PasteToken(config, home, Output(1), expires_at_ms).run_on_terminal()


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def parse_duration(text: str) -> float | None:
    """`365d`, `12h`, `90m`, `2w`, `1y` (OpenClaw's duration form); None when it is not one."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdwy])\s*", text)
    if match is None:
        return None
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def _option(args: list[str], name: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def preview(token: str) -> str:
    return f"{token[:8]}...{token[-8:]}"


#: `models status --check` says "expiring" (exit 2) under this much validity left.
EXPIRING_MS = 7 * 86400 * 1000
DEFAULT_SYSTEMD_UNIT = "openclaw-gateway.service"


def default_model(config: SimConfig, home: StrPath) -> str:
    """`agents.defaults.model.primary` of openclaw.json, else the box's fresh default."""
    data = read_config(home)
    try:
        model = data["agents"]["defaults"]["model"]["primary"]
    except (KeyError, TypeError):
        return config.openclaw_default_model
    return model if isinstance(model, str) and model else config.openclaw_default_model


def stored_expiry(home: StrPath) -> int | None:
    profile = read_config(home).get("auth", {}).get("profiles", {}).get(PROFILE_ID, {})
    value = profile.get("expiresAt") if isinstance(profile, dict) else None
    return int(value) if isinstance(value, int | float) else None


def _profile_state(home: StrPath) -> tuple[str, int | None, int | None]:
    """(status, expiresAt ms, remaining ms) of anthropic:manual as OpenClaw reports it."""
    expires_at = stored_expiry(home)
    if expires_at is None:
        return "static", None, None
    remaining = expires_at - int(time.time() * 1000)
    if remaining <= 0:
        return "expired", expires_at, remaining
    if remaining < EXPIRING_MS:
        return "expiring", expires_at, remaining
    return "ok", expires_at, remaining


def _check_verdict(config: SimConfig, home: StrPath) -> tuple[int, str | None]:
    """What `models status --check` decides: (exit status, the problem in OpenClaw's words)."""
    model = default_model(config, home)
    provider = model.split("/", 1)[0]
    token = stored_token(home)
    if provider != "anthropic" or token is None:
        return 1, f"Missing auth - {provider} (default model {model} has no usable profile)"
    status, _, remaining = _profile_state(home)
    if status == "expired":
        return 1, f"Expired auth - {PROFILE_ID} (run `claude setup-token` for a new token)"
    if status == "expiring" and remaining is not None:
        days = remaining / 86400000
        return 2, f"Expiring auth - {PROFILE_ID} (expires in {days:.1f}d)"
    return 0, None


def models_status(config: SimConfig, home: StrPath, args: list[str] | None = None) -> int:
    args = args or []
    Delays(config, home).wait_blocking(2.0)
    if "--json" in args:
        return _models_status_json(config, home)
    token = stored_token(home)
    model = default_model(config, home)
    lines = [
        GATEWAY_NOTICE,
        "",
        "Config        : ~/.openclaw/openclaw.json",
        "Agent dir     : ~/.openclaw/agents/main/agent",
        f"Default       : {model}",
        "Fallbacks (0) : -",
        "Image model   : -",
        "Aliases (0)   : -",
        "",
        "Auth overview",
        "Auth store    : ~/.openclaw/state/openclaw.sqlite",
        "Shell env     : off",
    ]
    if token:
        status, expires_at, _ = _profile_state(home)
        when = (
            ""
            if expires_at is None
            else " expires " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(expires_at / 1000))
        )
        lines += [
            "Providers w/ OAuth/tokens (1): anthropic (1)",
            "- anthropic effective=profiles:~/.openclaw/state/openclaw.sqlite | profiles=1 "
            f"(oauth=0, token=1, api_key=0) | {PROFILE_ID}=token:{preview(token)}",
            "",
            "OAuth/token status",
            "- anthropic",
            f"  - {PROFILE_ID} {status}{when}",
        ]
    else:
        lines += [
            "Providers w/ OAuth/tokens (0): -",
            "",
            "Missing auth",
            "- anthropic Run `openclaw models auth paste-token --provider anthropic` "
            "or `claude setup-token`.",
        ]
    print("\n".join(lines))
    if "--check" in args:
        code, problem = _check_verdict(config, home)
        if problem:
            print(problem)
        return code
    return 0


def _models_status_json(config: SimConfig, home: StrPath) -> int:
    token = stored_token(home)
    model = default_model(config, home)
    provider = model.split("/", 1)[0]
    providers: list[dict[str, Any]] = []
    oauth_profiles: list[dict[str, Any]] = []
    if token:
        providers.append(
            {
                "provider": "anthropic",
                "effective": {"kind": "profiles", "detail": "~/.openclaw/state/openclaw.sqlite"},
                "profiles": {
                    "count": 1,
                    "oauth": 0,
                    "token": 1,
                    "apiKey": 0,
                    "labels": [f"{PROFILE_ID}=token:{preview(token)}"],
                },
            }
        )
        status, expires_at, remaining = _profile_state(home)
        entry: dict[str, Any] = {
            "profileId": PROFILE_ID,
            "provider": "anthropic",
            "type": "token",
            "status": status,
            "source": "store",
            "label": PROFILE_ID,
        }
        if expires_at is not None:
            entry["expiresAt"] = expires_at
            entry["remainingMs"] = remaining
        oauth_profiles.append(entry)
    missing = [] if provider == "anthropic" and token else [provider]
    answer: dict[str, Any] = {
        "configPath": "~/.openclaw/openclaw.json",
        "agentDir": "~/.openclaw/agents/main/agent",
        "defaultModel": model,
        "resolvedDefault": model,
        "fallbacks": [],
        "imageModel": None,
        "aliases": {},
        "allowed": [],
        "auth": {
            "storePath": "~/.openclaw/state/openclaw.sqlite",
            "shellEnvFallback": {"enabled": False, "appliedKeys": []},
            "providersWithOAuth": ["anthropic (1)"] if token else [],
            "missingProvidersInUse": missing,
            "providers": providers,
            "unusableProfiles": [],
            "oauth": {
                "warnAfterMs": EXPIRING_MS,
                "profiles": oauth_profiles,
                "providers": [],
            },
        },
    }
    # The gateway notice goes to stderr in JSON mode; stdout stays one JSON document.
    eprint(GATEWAY_NOTICE + "\n")
    print(json.dumps(answer, indent=2))
    return 0


def models_set(config: SimConfig, home: StrPath, args: list[str]) -> int:
    """`openclaw models set MODEL`: the default model, with a backup of the previous config."""
    Delays(config, home).wait_blocking(1.5)
    if not args or "/" not in args[0]:
        eprint("error: expected a model as provider/model, e.g. anthropic/claude-sonnet-4-6\n")
        return 1
    model = args[0]
    data = read_config(home)
    source = config_path(home)
    if os.path.exists(source):
        backup = source + ".bak"
        with open(source, "rb") as original, open(backup, "wb") as copy:
            copy.write(original.read())
        os.chmod(backup, 0o600)
    agents = data.setdefault("agents", {})
    defaults = agents.setdefault("defaults", {})
    model_entry = defaults.setdefault("model", {})
    if not isinstance(model_entry, dict):
        model_entry = defaults["model"] = {}
    model_entry["primary"] = model
    write_config(home, data, config.openclaw_version)
    print("Updated config: ~/.openclaw/openclaw.json")
    print(f"Default model: {model}")
    print("Backup: ~/.openclaw/openclaw.json.bak")
    return 0


def gateway_state_path(home: StrPath) -> str:
    return os.path.join(home, ".openclaw", "state", "gateway.json")


def gateway(config: SimConfig, home: StrPath, args: list[str]) -> int:
    """`openclaw gateway restart` and `openclaw gateway status --json` in each GATEWAY_STATE."""
    Delays(config, home).wait_blocking(1.0)
    state = config.gateway
    if args[:1] == ["restart"]:
        if state == "no_service_manager":
            print("Gateway service check failed: systemd user services are unavailable.")
            print("Tip: run the gateway in the foreground with `openclaw gateway run`,")
            print(
                "Tip: or install a user service once systemd --user works: "
                "`openclaw gateway install`."
            )
            return 0  # as the real one: exit 0 although nothing was restarted
        if state == "restart_fails":
            eprint(
                f"Gateway restart failed: Job for {DEFAULT_SYSTEMD_UNIT} failed because the "
                "control process exited with error code. See `journalctl --user -u "
                f"{DEFAULT_SYSTEMD_UNIT}` for details.\n"
            )
            return 1
        write_text(gateway_state_path(home), json.dumps({"restartedAt": int(time.time() * 1000)}))
        print(f"Restarted systemd service: {DEFAULT_SYSTEMD_UNIT}")
        return 0
    if args[:1] == ["status"]:
        if state == "no_service_manager":
            service: dict[str, Any] = {"label": "systemd", "loaded": False, "runtime": None}
            answer: dict[str, Any] = {
                "service": service,
                "inspectionReason": "service-manager-unavailable",
                "rpc": {"ok": False, "error": "gateway not reachable"},
            }
        else:
            runtime = "failed" if state == "restart_fails" else "running"
            answer = {
                "service": {
                    "label": "systemd",
                    "unit": DEFAULT_SYSTEMD_UNIT,
                    "loaded": True,
                    "runtime": {"status": runtime, "pid": 4242 if runtime == "running" else None},
                },
                "rpc": {"ok": runtime == "running"},
            }
        if "--json" in args:
            print(json.dumps(answer, indent=2))
        else:
            print(f"Service: systemd ({'loaded' if answer['service']['loaded'] else 'not loaded'})")
        return 0
    eprint(f"error: unknown command 'gateway {' '.join(args)}'\n")
    return 1


def auth_list(config: SimConfig, home: StrPath, args: list[str]) -> int:
    Delays(config, home).wait_blocking(2.0)
    token = stored_token(home)
    profiles = (
        [
            {
                "id": PROFILE_ID,
                "provider": "anthropic",
                "mode": "token",
                "preview": preview(token),
            }
        ]
        if token
        else []
    )
    print(GATEWAY_NOTICE)
    if "--json" in args:
        print(json.dumps({"agentId": "main", "profiles": profiles}, indent=2))
    elif profiles:
        for profile in profiles:
            print(
                f"{profile['id']}  {profile['provider']}  {profile['mode']}  {profile['preview']}"
            )
    else:
        print("No auth profiles.")
    return 0


USAGE = """Usage: openclaw [options] [command]

Options:
  -V, --version   output the version number
  -h, --help      display help for command

Commands:
  models          Model and auth configuration (status, auth list, auth paste-token)
  gateway         Gateway service control
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    config, home = load_config()
    if config.scenario in ("openclaw_missing", "openclaw_placeholder"):
        # npm on an old Node installs the 0.0.1 placeholder, which has no command at all
        eprint("openclaw: command not found\n")
        return 127
    if args[:1] in (["--version"], ["-V"], ["-v"], ["version"]):
        print(f"OpenClaw {config.openclaw_version} ({COMMIT})")
        return 0
    if not args or args[:1] in (["--help"], ["-h"]):
        print(USAGE, end="")
        return 0 if args else 1
    if args[:3] == ["models", "auth", "paste-token"]:
        return paste_token(config, home, args[3:])
    if args[:2] == ["models", "status"]:
        return models_status(config, home, args[2:])
    if args[:2] == ["models", "set"]:
        return models_set(config, home, args[2:])
    if args[:1] == ["gateway"]:
        return gateway(config, home, args[1:])
    if args[:3] == ["models", "auth", "list"]:
        return auth_list(config, home, args[3:])
    eprint(f"error: unknown command '{' '.join(args)}'\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
