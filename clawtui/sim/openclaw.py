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
import random
import secrets
import sqlite3
import string
import sys
from datetime import UTC, datetime
from pathlib import Path

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

SUCCESS_LINES = (
    "Warning: Model auth changes were saved, but the local Gateway could not refresh them. "
    "Run `openclaw gateway restart` to apply the saved changes.",
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


def config_path(home: Path) -> Path:
    return Path(home) / ".openclaw" / "openclaw.json"


def database_path(home: Path) -> Path:
    return Path(home) / ".openclaw" / "state" / "openclaw.sqlite"


def store_token(home: Path, token: str, version: str) -> None:
    """Save the profile in openclaw.json and the token in the state database (both 0600)."""
    config_file = config_path(home)
    config_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    auth = data.setdefault("auth", {})
    profiles = auth.setdefault("profiles", {})
    profiles[PROFILE_ID] = {"provider": "anthropic", "mode": "token"}
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    data["meta"] = {"lastTouchedVersion": version, "lastTouchedAt": now}
    temporary = config_file.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.chmod(temporary, 0o600)
    os.replace(temporary, config_file)

    database = database_path(home)
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
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


def stored_token(home: Path) -> str | None:
    """The token stored for anthropic:manual, if the profile exists in both places."""
    try:
        data = json.loads(config_path(home).read_text(encoding="utf-8"))
        if PROFILE_ID not in data.get("auth", {}).get("profiles", {}):
            return None
    except (OSError, ValueError, AttributeError):
        return None
    database = database_path(home)
    if not database.exists():
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

    def __init__(self, config: SimConfig, home: Path, out: Output) -> None:
        super().__init__(out)
        self.config = config
        self.home = home
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
        store_token(self.home, saved, self.config.openclaw_version)
        self.out.write("".join(line + "\n" for line in SUCCESS_LINES))
        await self.delays.wait(0.1)
        self._finish(0)

    def _cancel(self) -> None:
        self.state = "cancelled"
        self.render()
        self.out.write(SHOW_CURSOR + "\x1b[90m└\x1b[39m  \x1b[31mCancelled.\x1b[39m\n\n")
        self._finish(0)

    def _on_resize(self) -> None:
        self.columns, self.rows = terminal_size(0, 1)


def paste_token_from_pipe(config: SimConfig, home: Path) -> int:
    """`echo "$TOKEN" | openclaw models auth paste-token --provider anthropic`."""
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
    store_token(home, saved, config.openclaw_version)
    for line in SUCCESS_LINES:
        print(line.replace("\x1b[38;5;138m", "").replace("\x1b[39m", ""))
    return 0


def paste_token(config: SimConfig, home: Path, args: list[str]) -> int:
    provider = _option(args, "--provider")
    if provider is None:
        eprint("error: required option '--provider <id>' not specified\n")
        return 1
    if provider != "anthropic":
        eprint(f'error: provider "{provider}" does not accept a pasted token\n')
        return 1
    if not stdin_is_terminal():
        return paste_token_from_pipe(config, home)
    return PasteToken(config, home, Output(1)).run_on_terminal()


def _option(args: list[str], name: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def preview(token: str) -> str:
    return f"{token[:8]}...{token[-8:]}"


def models_status(config: SimConfig, home: Path) -> int:
    Delays(config, home).wait_blocking(2.0)
    token = stored_token(home)
    lines = [
        GATEWAY_NOTICE,
        "",
        "Config        : ~/.openclaw/openclaw.json",
        "Agent dir     : ~/.openclaw/agents/main/agent",
        "Default       : anthropic/claude-sonnet-4-6",
        "Fallbacks (0) : -",
        "Image model   : -",
        "Aliases (0)   : -",
        "",
        "Auth overview",
        "Auth store    : ~/.openclaw/state/openclaw.sqlite",
        "Shell env     : off",
    ]
    if token:
        lines += [
            "Providers w/ OAuth/tokens (1): anthropic (1)",
            "- anthropic effective=profiles:~/.openclaw/state/openclaw.sqlite | profiles=1 "
            f"(oauth=0, token=1, api_key=0) | {PROFILE_ID}=token:{preview(token)}",
            "",
            "OAuth/token status",
            "- anthropic",
            f"  - {PROFILE_ID} static",
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
    return 0


def auth_list(config: SimConfig, home: Path, args: list[str]) -> int:
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
        return models_status(config, home)
    if args[:3] == ["models", "auth", "list"]:
        return auth_list(config, home, args[3:])
    eprint(f"error: unknown command '{' '.join(args)}'\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
