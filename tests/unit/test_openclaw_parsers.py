"""OpenClaw's paste-token dialog and verification output, on literal text.

Screens follow the recordings of `openclaw models auth paste-token --provider anthropic`
2026.9.6 (tests/data/openclaw-*.jsonl) and the seed's older wording; command output follows
FLOW.md and the openclaw sources (`models auth list --json` prints `{"profiles": [{"id": …}]}`).
"""

from __future__ import annotations

import json
import secrets

import pytest

from clawtui.openclaw import (
    PasteTokenStatus,
    Validation,
    parse_auth_list_json,
    parse_models_status,
    parse_openclaw_version,
    read_paste_token,
)
from clawtui.snapshot import ScreenText


def make_screen(
    rows: list[str], *, columns: int = 80, cursor_row: int | None = None, screen_start: int = 0
) -> ScreenText:
    lines = tuple(row.rstrip() for row in rows)
    row = len(lines) if cursor_row is None else cursor_row
    return ScreenText(
        lines=lines, screen_start=screen_start, columns=columns, cursor=(0, row - screen_start)
    )


BANNER = [
    "│",
    "◇",
    "",
    "OpenClaw 2026.9.6 (eb377ac)",
    'I run on caffeine, JSON5, and the audacity of "it worked on my machine."',
    "",
    "Installed Gateway service state and config paths could not be verified. Inspect",
    "the service environment with `openclaw gateway status --deep` before repairing p",
    "lugin state.",
    "│",
]


def dialog(marker: str, *, field: str = "", bottom: str = "└") -> list[str]:
    return [*BANNER, f"{marker}  Paste token for anthropic", f"│  {field}".rstrip(), bottom, ""]


SUCCESS_TAIL = [
    "Warning: Model auth changes were saved, but the local Gateway could not refresh",
    "them. Run `openclaw gateway restart` to apply the saved changes.",
    "Updated config: ~/.openclaw/openclaw.json",
    "Auth profile: anthropic:manual (anthropic/token)",
    "Anthropic setup-token auth is supported in OpenClaw.",
    "",
]


def test_prompt_waits_for_the_token() -> None:
    status = read_paste_token(make_screen(dialog("◆", field="_")))
    assert status == PasteTokenStatus(version="2026.9.6", prompt_ready=True)


def test_prompt_not_ready_until_its_frame_is_drawn() -> None:
    rows = dialog("◆")[:-2]  # the └ line has not arrived
    assert not read_paste_token(make_screen(rows, cursor_row=len(rows) - 1)).prompt_ready
    assert not read_paste_token(make_screen(BANNER)).prompt_ready
    assert read_paste_token(make_screen(BANNER)).version == "2026.9.6"
    assert read_paste_token(make_screen(["", ""])) == PasteTokenStatus()


@pytest.mark.parametrize(
    ("message", "validation"),
    [
        ("Required", Validation.REQUIRED),
        ("Expected token starting with sk-ant-oat01-", Validation.BAD_PREFIX),
        ("Token looks too short; paste the full setup-token", Validation.TOO_SHORT),
        ("Something new that clawtui has not seen", Validation.OTHER),
    ],
)
def test_each_validation_message(message: str, validation: Validation) -> None:
    status = read_paste_token(make_screen(dialog("▲", field="▪▪▪▪▪", bottom=f"└  {message}")))
    assert status.validation is validation
    assert status.validation_message == message
    assert status.prompt_ready  # still waiting for a better token
    assert not status.success and not status.cancelled


def test_validation_still_being_written_is_not_reported() -> None:
    rows = dialog("▲", field="▪▪▪▪▪", bottom="└  Req")
    status = read_paste_token(make_screen(rows, cursor_row=len(rows) - 2))
    assert status.validation is None and status.validation_message is None
    assert not status.prompt_ready
    # The old frame's └ line below the cursor while the question is redrawn proves nothing.
    rows = dialog("◆", bottom="└  Required")
    question = rows.index("◆  Paste token for anthropic")
    assert not read_paste_token(make_screen(rows, cursor_row=question)).prompt_ready


def test_validation_clears_when_the_prompt_is_active_again() -> None:
    status = read_paste_token(make_screen(dialog("◆", field="▪▪▪_")))
    assert status.validation is None and status.prompt_ready


def test_success_with_gateway_warning() -> None:
    rows = [*dialog("◇", field="▪" * 77, bottom="▪" * 31)[:-1], *SUCCESS_TAIL]
    status = read_paste_token(make_screen(rows))
    assert status.success and status.profile == "anthropic:manual"
    assert status.gateway_warning and status.submitted
    assert not status.prompt_ready and not status.cancelled and status.validation is None
    # Between Enter and the result: submitted, nothing else yet.
    storing = read_paste_token(make_screen(rows[: len(BANNER) + 4]))
    assert storing.submitted and not storing.success and not storing.prompt_ready


def test_gateway_warning_wrapped_anywhere() -> None:
    rows = [
        *dialog("◇", field="▪" * 20)[:-2],
        "Warning: Model auth changes were saved, but the local Gateway could not",
        "refresh them. Run `openclaw gateway",
        "restart` to apply the saved changes.",
        "Auth profile: anthropic:manual (anthropic/token)",
    ]
    assert read_paste_token(make_screen(rows, columns=40)).gateway_warning


def test_success_without_gateway_warning_and_seed_wording() -> None:
    rows = [
        "✓ Paste token for anthropic",
        "  sk-ant-oat01-...",
        "Updated ~/.openclaw/openclaw.json",
        "Auth profile: anthropic:manual (anthropic/token)",
    ]
    status = read_paste_token(make_screen(rows))
    assert status.success and status.profile == "anthropic:manual" and status.submitted
    assert not status.gateway_warning
    assert status.version is None


def test_profile_line_still_arriving_is_not_success() -> None:
    rows = [*dialog("◇", field="▪" * 20)[:-2], "Auth profile: anthropic:man"]
    assert not read_paste_token(make_screen(rows, cursor_row=len(rows) - 1)).success
    # Without the "(provider/mode)" part but the program drew past it: done.
    rows = [*dialog("◇", field="▪" * 20)[:-2], "Auth profile: anthropic:manual", "Done."]
    status = read_paste_token(make_screen(rows))
    assert status.success and status.profile == "anthropic:manual"


def test_cancelled() -> None:
    rows = [*BANNER, "■  Paste token for anthropic", "│  ▪▪▪▪▪", "│", "└  Cancelled.", ""]
    status = read_paste_token(make_screen(rows))
    assert status.cancelled and not status.submitted
    assert not status.prompt_ready and not status.success and status.validation is None
    # The marker turns to ■ one chunk before "Cancelled." is printed.
    early = read_paste_token(make_screen(rows[:-2], cursor_row=len(rows) - 2))
    assert early.cancelled and not early.prompt_ready


def test_prompt_scrolled_off_is_not_ready() -> None:
    rows = [*dialog("◆"), *[""] * 5]
    status = read_paste_token(make_screen(rows, screen_start=len(BANNER) + 1))
    assert not status.prompt_ready


# ------------------------------------------------------------------------ models status


def test_models_status_gives_the_last_8() -> None:
    last8 = secrets.token_urlsafe(6)[:8]
    output = "\n".join(
        [
            "Config        : ~/.openclaw/openclaw.json",
            "Default       : anthropic/claude-opus-4-6",
            "Auth overview",
            f"- anthropic effective=profiles:~/.openclaw/state | profiles=1 (oauth=0, token=1, "
            f"api_key=0) | anthropic:manual=token:sk-ant-o...{last8}",
            "- openai effective=missing",
        ]
    )
    assert parse_models_status(output) == last8
    colored = output.replace("anthropic:manual", "\x1b[36manthropic:manual\x1b[39m", 1)
    assert parse_models_status(colored) == last8
    assert parse_models_status(f"\x1b[1m{output}\x1b[0m") == last8
    assert parse_models_status(f"anthropic:manual=token:sk-ant-o…{last8} [cooldown 5m]") == last8


def test_models_status_without_the_profile() -> None:
    assert parse_models_status("- anthropic effective=missing") is None
    assert parse_models_status("anthropic:default=token:sk-ant-o...abcdefgh") is None
    assert parse_models_status("anthropic:manual=OAuth") is None
    assert parse_models_status("anthropic:manual=token:sk-ant-o...abc") is None  # not 8
    assert parse_models_status("") is None


# ---------------------------------------------------------------------- auth list --json


def test_auth_list_json_after_noise() -> None:
    payload = {
        "agentId": "main",
        "agentDir": "/home/ubuntu/.openclaw/agents/main/agent",
        "storePath": "~/.openclaw/state/openclaw.sqlite",
        "profiles": [
            {"id": "anthropic:manual", "provider": "anthropic", "type": "token"},
            {"id": "openai:default", "provider": "openai", "type": "api_key"},
        ],
    }
    noise = (
        "(node:4242) ExperimentalWarning: SQLite is an experimental feature\n"
        "[openclaw] gateway not reachable\n"
        "{not json either\n"
    )
    text = noise + json.dumps(payload, indent=2) + "\n"
    assert parse_auth_list_json(text) == ["anthropic:manual", "openai:default"]
    assert parse_auth_list_json(f"\x1b[2m{noise}\x1b[0m{json.dumps(payload)}") == [
        "anthropic:manual",
        "openai:default",
    ]


def test_auth_list_json_other_shapes() -> None:
    assert parse_auth_list_json('{"profiles": []}') == []
    assert parse_auth_list_json('{"profiles": {"anthropic:manual": {}}}') == ["anthropic:manual"]
    assert parse_auth_list_json('[{"id": "anthropic:manual"}]') == ["anthropic:manual"]
    assert parse_auth_list_json("[1, 2]\n" + '{"profiles": [{"id": "a:b"}]}') == ["a:b"]
    assert parse_auth_list_json("No auth profiles found.") == []
    assert parse_auth_list_json("") == []


# ----------------------------------------------------------------------------- version


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("OpenClaw 2026.9.6 (eb377ac)", "2026.9.6"),
        (
            "OpenClaw 2026.9.6 (eb377ac) — Your 'quick fix' from March is now load-bearing.",
            "2026.9.6",
        ),
        ("2026.9.6\n", "2026.9.6"),
        ("  v2026.9.2  ", "2026.9.2"),
        ("\x1b[1mOpenClaw\x1b[22m 2026.10.1-beta.2 (abc1234)", "2026.10.1-beta.2"),
        ("(node:1) Warning: something 1.2.3 happened\n0.0.1\n", "0.0.1"),
        ("openclaw: command not found", None),
        ("", None),
    ],
)
def test_openclaw_version(text: str, version: str | None) -> None:
    assert parse_openclaw_version(text) == version
