"""Tokens never leave clawtui whole: masked in free text and on a terminal grid."""

from __future__ import annotations

import re
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clawtui.redact import (
    BULLET,
    TOKEN_PREFIX,
    Masker,
    find_secret_spans,
    mask_token,
    redact,
)
from clawtui.secret import Token
from tests.replay import load


def new_token(length: int = 80) -> str:
    """A fabricated token: the prefix and `length` token characters in all."""
    body = secrets.token_urlsafe(length)[: length - len(TOKEN_PREFIX)]
    return TOKEN_PREFIX + body


def apply_spans(rows: list[str], spans: list[tuple[int, int, int]]) -> list[str]:
    """What the terminal widget draws: one bullet per masked cell."""
    masked = list(rows)
    for row, start, end in spans:
        text = masked[row].ljust(end)
        masked[row] = text[:start] + BULLET * (end - start) + text[end:]
    return masked


def hard_wrapped(token: str, columns: int) -> list[str]:
    """The token as claude prints it: one leading space on every line, wrapped at `columns`."""
    text = " " + token
    rows = [text[:columns]]
    rest = text[columns:]
    while rest:
        rows.append(" " + rest[: columns - 1])
        rest = rest[columns - 1 :]
    return rows


# ---------------------------------------------------------------------------------- mask_token


def test_mask_token_keeps_prefix_and_last_four() -> None:
    token = new_token()
    masked = mask_token(token)
    assert masked == f"{TOKEN_PREFIX}{BULLET * 4}…{token[-4:]}"
    assert token[len(TOKEN_PREFIX) : -4] not in masked


def test_mask_token_of_a_short_token_shows_no_tail() -> None:
    token = TOKEN_PREFIX + "abcdefgh"
    assert mask_token(token) == f"{TOKEN_PREFIX}{BULLET * 4}…"


# ---------------------------------------------------------------------------------- redact


def test_redact_single_line() -> None:
    token = new_token(108)
    text = f"export CLAUDE_CODE_OAUTH_TOKEN={token} # saved"
    assert redact(text) == f"export CLAUDE_CODE_OAUTH_TOKEN={mask_token(token)} # saved"


def test_redact_several_tokens() -> None:
    first, second = new_token(), new_token(79)
    redacted = redact(f"a={first}\nb={second}")
    assert redacted == f"a={mask_token(first)}\nb={mask_token(second)}"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r\r\n"])
def test_redact_hard_wrapped_token(newline: str) -> None:
    token = new_token(108)
    rows = hard_wrapped(token, 40)
    text = "Your OAuth token (valid for 1 year):" + newline * 2 + newline.join(rows)
    text += newline * 2 + " Store this token securely."
    redacted = redact(text)
    assert redacted.endswith(" Store this token securely.")
    assert mask_token(token) in redacted
    for row in rows:
        assert row.strip()[-6:] not in redacted or row is rows[-1]
    assert token[20:40] not in redacted.replace("\n", "").replace("\r", "").replace(" ", "")


def test_mask_token_matches_the_secret_wrapper() -> None:
    token = new_token(108)
    assert mask_token(token) == Token(token).masked


def test_redact_leaves_other_text_alone() -> None:
    text = "sk-ant-api03 is another kind of key; sk-ant-oat01 alone is just a prefix"
    assert redact(text) == text


@settings(max_examples=50, deadline=None)
@given(
    length=st.integers(min_value=30, max_value=140),
    columns=st.integers(min_value=20, max_value=120),
)
def test_redact_never_leaves_a_whole_token(length: int, columns: int) -> None:
    token = new_token(length)
    text = "\n".join(["before", *hard_wrapped(token, columns), "", "after"])
    redacted = redact(text)
    assert token not in redacted.replace("\n", "").replace(" ", "")
    assert mask_token(token) in redacted
    assert redacted.startswith("before\n") and redacted.endswith("\n\nafter")


# ---------------------------------------------------------------------------------- spans


def test_spans_single_row() -> None:
    token = new_token()
    rows = ["", f"token: {token} end"]
    masked = apply_spans(rows, find_secret_spans(rows, 120))
    start = len("token: ")
    assert masked[1] == (
        f"token: {TOKEN_PREFIX}{BULLET * (len(token) - len(TOKEN_PREFIX) - 4)}{token[-4:]} end"
    )
    assert len(masked[1]) == len(rows[1])  # every cell keeps its width
    assert masked[1][start : start + len(TOKEN_PREFIX)] == TOKEN_PREFIX


@pytest.mark.parametrize("length", [79, 80, 108])
def test_spans_hard_wrapped_like_claude(length: int) -> None:
    token = new_token(length)
    rows = ["Your OAuth token (valid for 1 year):", "", *hard_wrapped(token, 80), "", " Store"]
    masked = apply_spans(rows, find_secret_spans(rows, 80))

    joined = "".join(row[1:] for row in masked[2:-2])
    assert joined == TOKEN_PREFIX + BULLET * (length - len(TOKEN_PREFIX) - 4) + token[-4:]
    assert masked[0] == rows[0] and masked[-1] == rows[-1]
    assert [len(row) for row in masked] == [len(row) for row in rows]


def test_spans_terminal_wrapped_without_indent() -> None:
    token = new_token(100)
    line = "export CLAUDE_CODE_OAUTH_TOKEN=" + token + " && echo ok"
    rows = [line[i : i + 40] for i in range(0, len(line), 40)]
    masked = apply_spans(rows, find_secret_spans(rows, 40))
    flat = "".join(masked)
    assert token[len(TOKEN_PREFIX) : -4] not in flat
    assert flat.endswith(token[-4:] + " && echo ok")
    assert BULLET * (len(token) - len(TOKEN_PREFIX) - 4) in flat


def test_spans_prefix_split_across_rows() -> None:
    token = new_token(90)
    text = "x" * 35 + token
    rows = [text[:40], text[40:80], text[80:]]
    masked = apply_spans(rows, find_secret_spans(rows, 40))
    flat = "".join(masked)
    assert flat == "x" * 35 + TOKEN_PREFIX + BULLET * (90 - len(TOKEN_PREFIX) - 4) + token[-4:]


def test_spans_hard_wrap_narrower_than_the_grid() -> None:
    # Printed for 80 columns, shown in a 120-column pane after a resize.
    token = new_token(108)
    rows = hard_wrapped(token, 80)
    masked = apply_spans(rows, find_secret_spans(rows, 120))
    assert masked[1] == " " + BULLET * (len(rows[1]) - 5) + token[-4:]


def test_spans_follow_the_terminal_wrap_marks() -> None:
    token = new_token(100)
    line = "X=" + token + " && echo ok"
    rows = [line[:60], line[60:]]  # wrapped at 60 columns, now shown 80 wide
    masked = apply_spans(rows, find_secret_spans(rows, 80, wrapped=[True, False]))
    assert token[62:-4] not in masked[1]
    assert masked[1].endswith(token[-4:] + " && echo ok")
    # A row that was not wrapped does not continue, even when it reaches the edge.
    rows = [line[:60], "word"]
    assert find_secret_spans(rows, 60, wrapped=[False, False]) == find_secret_spans(
        [line[:60]], 60, wrapped=[False]
    )


def test_spans_do_not_touch_a_row_that_does_not_continue() -> None:
    token = new_token(79)
    rows = [" " + token, " Store this token securely."]  # the token ends at the edge
    masked = apply_spans(rows, find_secret_spans(rows, 80))
    assert masked[1] == rows[1]


def test_spans_on_the_recorded_success_screen() -> None:
    transcript = load("claude-setup-token-80x24-FAKESERVER-200")
    rows = transcript.final_screen
    start = next(i for i, row in enumerate(rows) if row.startswith(" sk-ant-oat01-"))
    token = rows[start][1:] + rows[start + 1][1:]
    masked = apply_spans(rows, find_secret_spans(rows, 80))
    assert token not in "".join(masked)
    assert masked[start].startswith(" " + TOKEN_PREFIX + BULLET)
    assert masked[start + 1].rstrip().endswith(token[-4:])
    assert re.fullmatch(f" [{BULLET}]+" + re.escape(token[-4:]), masked[start + 1].rstrip())
    assert [len(row) for row in masked] == [len(row) for row in rows]


def test_registered_patterns_are_masked_too() -> None:
    masker = Masker()
    masker.register(r"sk-ant-api03-[A-Za-z0-9_-]+", keep_start=len("sk-ant-api03-"), keep_end=4)
    key = "sk-ant-api03-" + secrets.token_urlsafe(40)
    token = new_token()
    text = f"{key} {token}"
    redacted = masker.redact(text)
    assert key not in redacted and token not in redacted
    assert redacted == f"sk-ant-api03-{BULLET * 4}…{key[-4:]} {mask_token(token)}"
    spans = masker.find_spans([text], 200)
    assert len(spans) == 2
