"""Reading OpenClaw's answers: the paste-token prompt on screen, and the verification commands.

`openclaw models auth paste-token` is a @clack/prompts dialog: a marker in front of the question
says where it stands (◆ waiting, ▲ waiting with a validation message under it, ◇ submitted,
■ cancelled) and the result is printed below. The flow reads that after every output chunk to
know when to paste, whether OpenClaw refused the token (and why, in its own words), and whether
the auth profile was written. Verification then runs two plain commands whose output is parsed
here too: `openclaw models status` (shows the last 8 characters of the stored token) and
`openclaw models auth list --json` (lists the profile ids).

Pure functions on text, like oauth.py: no I/O, cheap enough to run on every chunk.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from clawtui.errors import OpenClawAnswerError
from clawtui.snapshot import ScreenText

# Colour and cursor sequences, in case a command's output was captured from a terminal.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


class Validation(StrEnum):
    """Why OpenClaw refused what was entered (shown under ▲ until the input changes)."""

    REQUIRED = "required"  # "Required": Enter on an empty field
    BAD_PREFIX = "bad_prefix"  # "Expected token starting with sk-ant-oat01-"
    TOO_SHORT = "too_short"  # "Token looks too short; paste the full setup-token"
    OTHER = "other"  # a message this version of clawtui does not know


_VALIDATIONS: tuple[tuple[re.Pattern[str], Validation], ...] = (
    (re.compile(r"^Required\b"), Validation.REQUIRED),
    (re.compile(r"Expected token starting with"), Validation.BAD_PREFIX),
    (re.compile(r"too short", re.I), Validation.TOO_SHORT),
)


@dataclass(frozen=True)
class PasteTokenStatus:
    """What `openclaw models auth paste-token --provider anthropic` shows now."""

    version: str | None = None
    prompt_ready: bool = False
    validation: Validation | None = None
    #: OpenClaw's own words for `validation`, to show the operator.
    validation_message: str | None = None
    success: bool = False
    profile: str | None = None  # "anthropic:manual"
    cancelled: bool = False
    gateway_warning: bool = False
    #: The token was accepted by the prompt (◇) and OpenClaw is storing it.
    submitted: bool = False


_ACTIVE = "◆"
_ERROR = "▲"
_SUBMITTED = ("◇", "✓", "✔")  # ✓: the seed's recording of an older version
_CANCELLED = "■"
_QUESTION = re.compile(r"^\s*(\S)\s+Paste token for \S+")
_AUTH_PROFILE = re.compile(r"Auth profile:\s*(\S+)(\s+\()?")
_CANCELLED_LINE = re.compile(r"^[\s│└]*Cancelled\.?\s*$")
# "…the local Gateway could not refresh them. Run `openclaw gateway restart` …", wrapped at any
# width: searched with all whitespace removed.
_GATEWAY_WARNING = re.compile(r"couldnotrefresh|gatewayrestart", re.I)


def read_paste_token(screen: ScreenText) -> PasteTokenStatus:
    """Where the paste-token dialog stands on this screen.

    The prompt and its validation are read from the visible screen (clack redraws them in
    place); results that are printed once (profile, cancel, gateway warning) from the lines
    after the question, scrollback included.
    """
    lines = screen.lines
    question = None
    marker = ""
    for row in range(len(lines) - 1, -1, -1):
        found = _QUESTION.search(lines[row])
        if found:
            question, marker = row, found.group(1)
            break
    # clack redraws in place: the cursor's row may be half new, half stale, and what is below it
    # is left from the frame before. Only rows above the cursor are known to be finished.
    cursor_row = screen.screen_start + screen.cursor[1]
    # The banner comes before the question; searching only there keeps this cheap.
    banner_end = cursor_row if question is None else min(question, cursor_row)
    version = parse_openclaw_version("\n".join(lines[:banner_end]))
    if question is None:
        return PasteTokenStatus(version=version)
    after = lines[question + 1 :]
    success, profile = _read_profile(screen, question)
    cancelled = marker == _CANCELLED or any(_CANCELLED_LINE.match(line) for line in after)
    compact = re.sub(r"\s+", "", "".join(after))
    gateway_warning = bool(_GATEWAY_WARNING.search(compact))

    # The dialog is waiting when the question is active and its frame is drawn to the end (the
    # └ line, and the cursor below it); under ▲ that line carries the validation message.
    on_screen = question >= screen.screen_start
    bottom = next(
        (
            line
            for row, line in enumerate(after, start=question + 1)
            if line.lstrip().startswith("└") and row < cursor_row
        ),
        None,
    )
    waiting = on_screen and marker in (_ACTIVE, _ERROR) and bottom is not None
    validation = None
    validation_message = None
    if waiting and marker == _ERROR and bottom is not None:
        validation_message = bottom.lstrip().removeprefix("└").strip() or None
        if validation_message:
            validation = next(
                (kind for pattern, kind in _VALIDATIONS if pattern.search(validation_message)),
                Validation.OTHER,
            )
    return PasteTokenStatus(
        version=version,
        prompt_ready=waiting and not success and not cancelled,
        validation=validation,
        validation_message=validation_message,
        success=success,
        profile=profile,
        cancelled=cancelled,
        gateway_warning=gateway_warning,
        submitted=marker in _SUBMITTED,
    )


def _read_profile(screen: ScreenText, question: int) -> tuple[bool, str | None]:
    lines = screen.lines
    for row in range(len(lines) - 1, question, -1):
        match = _AUTH_PROFILE.search(lines[row])
        if match is None:
            continue
        # "Auth profile: anthropic:manual (anthropic/token)": without the "(" the id may still
        # be arriving, unless the cursor has left the line.
        complete = match.group(2) is not None or screen.screen_start + screen.cursor[1] > row
        if complete:
            return True, match.group(1)
        return False, None
    return False, None


_STATUS_PROFILE = re.compile(
    r"anthropic:manual=token:[A-Za-z0-9_-]*(?:\.\.\.|…)([A-Za-z0-9_-]{8})(?![A-Za-z0-9_-])"
)


def parse_models_status(text: str) -> str | None:
    """The last 8 characters of the `anthropic:manual` token from `openclaw models status`.

    The status shows `anthropic:manual=token:sk-ant-o...<last 8>`; None when it does not.
    """
    matches = _STATUS_PROFILE.findall(strip_ansi(text))
    return matches[-1] if matches else None


def parse_auth_list_json(text: str) -> list[str]:
    """Profile ids from `openclaw models auth list --json`.

    Node warnings, banners and other noise may come before the JSON (or after it); the first
    JSON value that parses is used. Its shape is `{"profiles": [{"id": …}, …], …}`; a bare
    list of profiles, or profiles keyed by id, are accepted as well. No JSON: an empty list.
    """
    cleaned = strip_ansi(text)
    decoder = json.JSONDecoder()
    for match in re.finditer(r"^[ \t]*[\[{]", cleaned, re.MULTILINE):
        start = cleaned.index(match.group().strip(), match.start())
        try:
            value, _ = decoder.raw_decode(cleaned, start)
        except json.JSONDecodeError:
            continue
        ids = _profile_ids(value)
        if ids is not None:
            return ids
    return []


def _profile_ids(value: Any) -> list[str] | None:
    profiles = value.get("profiles") if isinstance(value, dict) else value
    if isinstance(profiles, dict):
        return [str(key) for key in profiles]
    if isinstance(profiles, list):
        ids = []
        for entry in profiles:
            if isinstance(entry, str):
                ids.append(entry)
            elif isinstance(entry, dict):
                ident = entry.get("id") or entry.get("profileId")
                if isinstance(ident, str):
                    ids.append(ident)
        # A list of something else (noise that happens to be JSON) is not the answer.
        return ids if ids or not profiles else None
    return None


_OPENCLAW_VERSION = re.compile(r"OpenClaw\s+v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)")
_BARE_VERSION = re.compile(r"v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)")


def parse_openclaw_version(text: str) -> str | None:
    """The version from "OpenClaw 2026.9.6 (eb377ac)", or from a line that is just "2026.9.6".

    A bare line counts so that `openclaw --version` and `npm ls` style output both work; the
    empty placeholder package (0.0.1) is reported as "0.0.1" for the box check to catch.
    """
    cleaned = strip_ansi(text)
    named = _OPENCLAW_VERSION.search(cleaned)
    if named:
        return named.group(1)
    for line in cleaned.splitlines():
        bare = _BARE_VERSION.fullmatch(line.strip())
        if bare:
            return bare.group(1)
    return None


# --------------------------------------------------------------------------------------------
# After the paste: `models status --json`, `models status --check`, `gateway status --json`
# --------------------------------------------------------------------------------------------

#: The Anthropic model clawtui proposes when a box's default is another provider's.
PROPOSED_MODEL = "anthropic/claude-sonnet-4-6"

#: `openclaw models status --check` exit statuses (FLOW.md, "After the paste").
CHECK_READY = 0
CHECK_FAILED = 1  # missing, expired, unavailable, incompatible, indeterminate
CHECK_EXPIRING = 2

_JSON_LABEL = re.compile(
    r"^(?P<profile>[^=\s]+)=(?P<mode>[a-z_]+):[A-Za-z0-9_-]*(?:\.\.\.|…)(?P<last8>[A-Za-z0-9_-]{8})$"
)


def is_anthropic_model(model: str | None) -> bool:
    return bool(model) and str(model).strip().lower().startswith("anthropic/")


@dataclass(frozen=True)
class ModelsStatus:
    """What `openclaw models status --json` (or, for older OpenClaw, the text form) says.

    Every field may be None: older or newer versions leave things out, and clawtui must carry on
    with what it has rather than crash on a box's answer."""

    default_model: str | None = None
    resolved_default: str | None = None
    #: Last 8 characters of the stored `anthropic:manual` token, as OpenClaw shows them.
    manual_last8: str | None = None
    #: When the `anthropic:manual` profile expires (ms since the epoch); None: no expiry known.
    expires_at_ms: int | None = None
    remaining_ms: int | None = None
    #: OpenClaw's own status word for the profile (`ok`, `expiring`, `expired`, `static`, …).
    profile_status: str | None = None
    #: True when read from the text form (an older OpenClaw without `--json`).
    from_text: bool = False


def _json_values(text: str) -> list[Any]:
    """Every top-level JSON object or array in `text`, skipping noise lines around them."""
    cleaned = strip_ansi(text)
    decoder = json.JSONDecoder()
    values: list[Any] = []
    position = 0
    for match in re.finditer(r"^[ \t]*[\[{]", cleaned, re.MULTILINE):
        start = cleaned.index(match.group().strip(), match.start())
        if start < position:
            continue
        try:
            value, end = decoder.raw_decode(cleaned, start)
        except json.JSONDecodeError:
            continue
        values.append(value)
        position = end
    return values


def _looks_like_json(text: str) -> bool:
    return bool(re.search(r"^[ \t]*\{", strip_ansi(text), re.MULTILINE))


def _dict(value: Any, key: str) -> dict[str, Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def _list(value: Any, key: str) -> list[Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, list) else []


def _str(value: Any, key: str, limit: int = 200) -> str | None:
    """A string field of a box's answer, made safe to print: control characters (an escape
    sequence could steer the operator's terminal) removed, length capped."""
    found = value.get(key) if isinstance(value, dict) else None
    if not isinstance(found, str):
        return None
    cleaned = "".join(ch for ch in found if ch.isprintable()).strip()[:limit]
    return cleaned or None


def _int(value: Any, key: str) -> int | None:
    found = value.get(key) if isinstance(value, dict) else None
    if isinstance(found, bool) or not isinstance(found, int | float):
        return None
    return int(found)


def parse_models_status_json(text: str) -> ModelsStatus:
    """Read `openclaw models status --json`, tolerating banners before or after the JSON.

    Raises `OpenClawAnswerError` when the answer holds something that starts like a JSON object
    but does not parse, or no object at all (the caller may then fall back to the text form)."""
    values = [value for value in _json_values(text) if isinstance(value, dict)]
    status = next((v for v in values if {"defaultModel", "resolvedDefault", "auth"} & set(v)), None)
    if status is None:
        what = "broken JSON" if _looks_like_json(text) else "no JSON"
        raise OpenClawAnswerError(
            f"`openclaw models status --json` answered with {what}; clawtui cannot read it.",
            command="models status --json",
        )
    last8 = None
    for provider in _list(_dict(status, "auth"), "providers"):
        for label in _list(_dict(provider, "profiles"), "labels"):
            if not isinstance(label, str):
                continue
            match = _JSON_LABEL.match(label.strip())
            if match and match.group("profile") == "anthropic:manual":
                last8 = match.group("last8")
    expires_at = remaining = None
    profile_status = None
    for profile in _list(_dict(_dict(status, "auth"), "oauth"), "profiles"):
        label = _str(profile, "label") or _str(profile, "profileId") or _str(profile, "id") or ""
        if not label.startswith("anthropic:manual"):
            continue
        expires_at = _int(profile, "expiresAt")
        remaining = _int(profile, "remainingMs")
        profile_status = _str(profile, "status")
    default = _str(status, "defaultModel")
    resolved = _str(status, "resolvedDefault")
    return ModelsStatus(
        default_model=default or resolved,
        resolved_default=resolved,
        manual_last8=last8,
        expires_at_ms=expires_at,
        remaining_ms=remaining,
        profile_status=profile_status,
    )


_TEXT_DEFAULT = re.compile(r"^\s*Default\s*:\s*(\S+)", re.MULTILINE)


def parse_models_status_text(text: str) -> ModelsStatus:
    """The same facts from the text form of `openclaw models status` (older OpenClaw)."""
    cleaned = strip_ansi(text)
    default = _TEXT_DEFAULT.search(cleaned)
    found = "".join(ch for ch in default.group(1) if ch.isprintable())[:200] if default else ""
    model = found if found and found != "-" else None
    return ModelsStatus(
        default_model=model,
        resolved_default=model,
        manual_last8=parse_models_status(cleaned),
        from_text=True,
    )


def read_models_status(text: str) -> ModelsStatus:
    """JSON when the answer holds it; the text form when it holds none (older OpenClaw).

    A broken JSON answer is an error, not a reason to guess from its text."""
    try:
        return parse_models_status_json(text)
    except OpenClawAnswerError:
        if _looks_like_json(text):
            raise
        return parse_models_status_text(text)


class GatewayState(StrEnum):
    RUNNING = "running"
    NO_SERVICE_MANAGER = "no service manager"
    NOT_LOADED = "not installed as a service"
    STOPPED = "not running"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class GatewayStatus:
    state: GatewayState
    loaded: bool | None = None
    inspection_reason: str | None = None
    #: The service manager's own word for the gateway (`running`, `stopped`, `failed`, …).
    runtime: str | None = None


def parse_gateway_status_json(text: str) -> GatewayStatus:
    """Read `openclaw gateway status --json`: is the gateway installed as a service, running?

    `service.loaded: false` with `inspectionReason: "service-manager-unavailable"` is a box
    without systemd user services (FLOW.md). Raises `OpenClawAnswerError` on broken or no JSON."""
    values = [value for value in _json_values(text) if isinstance(value, dict)]
    status = next(
        (v for v in values if "service" in v or "inspectionReason" in v or "running" in v), None
    )
    if status is None:
        what = "broken JSON" if _looks_like_json(text) else "no JSON"
        raise OpenClawAnswerError(
            f"`openclaw gateway status --json` answered with {what}; clawtui cannot read it.",
            command="gateway status --json",
        )
    service = _dict(status, "service")
    loaded_value = service.get("loaded")
    loaded = loaded_value if isinstance(loaded_value, bool) else None
    reason = _str(status, "inspectionReason") or _str(service, "inspectionReason")
    runtime_value = service.get("runtime")
    runtime = (
        _str(runtime_value, "status") or _str(runtime_value, "state")
        if isinstance(runtime_value, dict)
        else (runtime_value if isinstance(runtime_value, str) else None)
    )
    running_flag = status.get("running")
    if reason == "service-manager-unavailable":
        state = GatewayState.NO_SERVICE_MANAGER
    elif runtime in ("running", "active") or running_flag is True:
        state = GatewayState.RUNNING
    elif loaded is False:
        state = GatewayState.NOT_LOADED
    elif runtime is not None or running_flag is False:
        state = GatewayState.STOPPED
    else:
        state = GatewayState.UNKNOWN
    return GatewayStatus(state, loaded=loaded, inspection_reason=reason, runtime=runtime)


def openclaw_words(stdout: str, stderr: str, limit: int = 300) -> str:
    """The lines an OpenClaw command printed that say something (banners and notices dropped),
    joined for a banner. Untrusted text: control characters removed, length capped."""
    lines = []
    for line in strip_ansi(stderr + "\n" + stdout).splitlines():
        text = "".join(ch for ch in line if ch.isprintable()).strip()
        if not text or text.startswith("OpenClaw ") or "could not be verified" in text:
            continue
        lines.append(text)
    joined = " ".join(lines)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"
