"""What the real OpenClaw stored on a box, read back without clawtui's help.

The onboarding's own verification runs `openclaw models status` through clawtui; a test that
trusted it would check clawtui with clawtui. Here the answer comes from elsewhere: OpenSSH's own
`ssh` client runs OpenClaw's commands on the box, and the box's files are read directly (the
tests run as root): `~/.openclaw/openclaw.json` for the profile, and OpenClaw's SQLite state for
the token itself. What the steps after the paste change (the default model, the expiry) is read
the same way (`assert_in_use_for_a_year`): the assertions hold whatever clawtui's step list is.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.real.sshd import SshdBox

PROFILE = "anthropic:manual"
_LABEL = re.compile(r"anthropic:manual=token:(sk-ant-o\.\.\.[A-Za-z0-9_-]{8})\b")
#: OpenClaw's commands take 2-11 s each; a loaded machine can double that.
COMMAND_TIMEOUT = 120.0


@dataclass(frozen=True)
class SshResult:
    exit_status: int
    stdout: str
    stderr: str


def openssh(box: SshdBox, command: str, *, stdin: bytes = b"") -> SshResult:
    """Run `command` on the box with OpenSSH's client, without a terminal, as clawtui runs its
    commands; `stdin` is the command's whole input."""
    argv = [
        "ssh",
        "-F",
        "/dev/null",
        "-i",
        str(box.client_key),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        f"UserKnownHostsFile={box.known_hosts}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-p",
        str(box.port),
        "-T",
        f"{box.user}@127.0.0.1",
        command,
    ]
    done = subprocess.run(
        argv, capture_output=True, timeout=COMMAND_TIMEOUT, check=False, input=stdin
    )
    return SshResult(
        done.returncode,
        done.stdout.decode("utf-8", errors="replace"),
        done.stderr.decode("utf-8", errors="replace"),
    )


@dataclass(frozen=True)
class OpenClawState:
    """OpenClaw's own account of the anthropic:manual profile on a box."""

    #: `openclaw models status --json`: the `sk-ant-o...<last 8>` label, None when not shown.
    status_label: str | None
    #: ... its `defaultModel` (a fresh OpenClaw 2026.9.6 has `openai/gpt-6-astra`).
    default_model: str | None
    #: ... the profile's `expiresAt` (ms since the epoch), None without `--expires-in`.
    expires_at_ms: int | None
    #: `~/.openclaw/openclaw.json`: auth.profiles["anthropic:manual"], None when absent.
    config_profile: dict[str, Any] | None
    #: The token OpenClaw keeps in its SQLite state (never printed: see `token_fingerprint`).
    stored_token: str | None

    @property
    def token_fingerprint(self) -> str | None:
        """First 12 hex digits of the stored token's SHA-256: what clawtui's audit log keeps."""
        if self.stored_token is None:
            return None
        return hashlib.sha256(self.stored_token.encode("utf-8")).hexdigest()[:12]

    def __repr__(self) -> str:  # the token never shows in an assertion message
        return (
            f"OpenClawState(status_label={self.status_label!r}, "
            f"default_model={self.default_model!r}, expires_at_ms={self.expires_at_ms!r}, "
            f"config_profile={self.config_profile!r}, "
            f"token_fingerprint={self.token_fingerprint!r})"
        )


def read_openclaw_state(box: SshdBox) -> OpenClawState:
    status = openssh(box, "openclaw models status --json")
    assert status.exit_status == 0, status
    document = json.loads(status.stdout)
    auth = document.get("auth", {})
    labels = [
        label
        for provider in auth.get("providers", [])
        for label in provider.get("profiles", {}).get("labels", [])
    ]
    label = next((m.group(1) for m in map(_LABEL.search, labels) if m), None)
    expiry = next(
        (
            profile.get("expiresAt")
            for profile in auth.get("oauth", {}).get("profiles", [])
            if profile.get("profileId") == PROFILE
        ),
        None,
    )
    return OpenClawState(
        status_label=label,
        default_model=document.get("defaultModel"),
        expires_at_ms=expiry if isinstance(expiry, int) else None,
        config_profile=_config_profile(box.home / ".openclaw" / "openclaw.json"),
        stored_token=_stored_token(box.home / ".openclaw" / "state" / "openclaw.sqlite"),
    )


def _config_profile(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    profile = document.get("auth", {}).get("profiles", {}).get(PROFILE)
    return profile if isinstance(profile, dict) else None


def _stored_token(database: Path) -> str | None:
    """The anthropic:manual token in OpenClaw's SQLite state (2026.9.6 keeps it as JSON
    `{"profiles": {"anthropic:manual": {"token": ...}}}` in a table row). Read from a copy, so
    that no file owned by root is left in the box user's folder."""
    if not database.exists():
        return None
    with tempfile.TemporaryDirectory(prefix="clawtui-real-sqlite-") as folder:
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{database}{suffix}")
            if source.exists():
                shutil.copy2(source, Path(folder) / f"openclaw.sqlite{suffix}")
        connection = sqlite3.connect(Path(folder) / "openclaw.sqlite")
        try:
            return _find_profile_token(connection)
        finally:
            connection.close()


def _find_profile_token(connection: sqlite3.Connection) -> str | None:
    tables = [
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
    ]
    for table in tables:
        for row in connection.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from sqlite
            for value in row:
                if not isinstance(value, str) or PROFILE not in value:
                    continue
                try:
                    document = json.loads(value)
                except ValueError:
                    continue
                token = _profile_token(document)
                if token is not None:
                    return token
    return None


def _profile_token(document: Any) -> str | None:
    if not isinstance(document, dict):
        return None
    profile = (
        document.get("profiles", {}).get(PROFILE)
        if isinstance(document.get("profiles"), dict)
        else None
    )
    if isinstance(profile, dict) and isinstance(profile.get("token"), str):
        return str(profile["token"])
    return None


def assert_openclaw_holds(box: SshdBox, *, fingerprint: str, length: int) -> OpenClawState:
    """The real OpenClaw on `box` stores, as anthropic:manual, the token whose fingerprint
    clawtui recorded: in its status, in openclaw.json, and in its own state."""
    state = read_openclaw_state(box)
    # Further keys (an expiry, say) may join the profile; these two make it a token profile.
    profile = state.config_profile or {}
    assert (profile.get("provider"), profile.get("mode")) == ("anthropic", "token"), state
    assert state.stored_token is not None, f"OpenClaw's state holds no {PROFILE} token: {state}"
    assert state.token_fingerprint == fingerprint, state
    assert len(state.stored_token) == length, (len(state.stored_token), state)
    assert state.status_label == f"sk-ant-o...{state.stored_token[-8:]}", state
    return state


def assert_in_use_for_a_year(state: OpenClawState, model: str) -> None:
    """The steps after the paste took: Anthropic's model is the default, and the token carries
    its one-year expiry (`--expires-in 365d`)."""
    assert state.default_model == model, state
    assert state.expires_at_ms is not None, state
    days = (state.expires_at_ms / 1000 - time.time()) / 86400
    assert 364 < days <= 365, (days, state)
