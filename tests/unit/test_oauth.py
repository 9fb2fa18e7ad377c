"""The `claude setup-token` parsers and the secret wrappers, on literal screens.

Screens are built the way the program lays them out (FLOW.md, and the recordings in tests/data):
2.1.197 hard-wraps the full URL at the width with no OSC 8, 2.1.332 wraps the short URL inside
OSC 8 links and draws the prompt in a box, and both print the token one space in, hard-wrapped
at width - 1. Drawing in progress is simulated by cutting the text and putting the cursor where
the program would be writing.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import pickle
import secrets
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clawtui.errors import ClawError
from clawtui.oauth import (
    OPENCLAW_MIN_TOKEN_LENGTH,
    CodeError,
    CodeProblem,
    SetupTokenErrorKind,
    SignInUrl,
    TokenParseError,
    find_sign_in_url,
    find_token,
    is_authorize_url,
    normalize_code,
    read_setup_token,
)
from clawtui.secret import Code, Token
from clawtui.snapshot import Hyperlink, ScreenText

# ------------------------------------------------------------------------------------ helpers

# At most 255, so that CODE#STATE stays within normalize_code's 512 characters.
B64URL = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
    min_size=1,
    max_size=255,
)


def make_screen(
    rows: list[str],
    *,
    columns: int = 80,
    cursor_row: int | None = None,
    screen_start: int = 0,
    links: tuple[Hyperlink, ...] = (),
) -> ScreenText:
    """A ScreenText of `rows` (scrollback first). The cursor defaults to the row after the last
    one: the program has finished drawing."""
    lines = tuple(row.rstrip() for row in rows)
    row = len(lines) if cursor_row is None else cursor_row
    return ScreenText(
        lines=lines,
        screen_start=screen_start,
        columns=columns,
        links=links,
        cursor=(0, row - screen_start),
    )


def hard_wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def ink_wrap(text: str, columns: int) -> list[str]:
    """Word-wrapped with Ink's one-column left padding."""
    return [" " + line for line in textwrap.wrap(text, columns - 2)]


def new_token(length: int = 108) -> str:
    token = "sk-ant-oat01-" + secrets.token_urlsafe(length)
    return token[:length]


def full_url(*, host: str = "https://claude.com/cai", state: str | None = None) -> str:
    state = secrets.token_urlsafe(32) if state is None else state
    return (
        f"{host}/oauth/authorize?code=true&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e"
        "&response_type=code&redirect_uri=https%3A%2F%2Fplatform.claude.com%2Foauth%2Fcode"
        f"%2Fcallback&scope=user%3Ainference&code_challenge={secrets.token_urlsafe(32)}"
        f"&code_challenge_method=S256&state={state}"
    )


def short_url() -> str:
    return "https://claude.ai/oauth/authorize?I" + secrets.token_urlsafe(32)


LEAD_197 = "Browser didn't open? Use the url below to sign in (c to copy)"
LEAD_332 = "Browser didn't open? Use the URL below to sign in (c to copy)"


def head_197(columns: int) -> list[str]:
    return ["Welcome to Claude Code v2.1.197", "", *ink_wrap(LEAD_197, columns), ""]


def frame_197(url: str, columns: int = 80) -> list[str]:
    """The 2.1.197 sign-in frame: URL hard-wrapped at the width, then the inline prompt."""
    return [*head_197(columns), *hard_wrap(url, columns), "", "", " Paste code here if prompted >"]


def box(columns: int, content: str = "") -> list[str]:
    inner = columns - 4
    return [
        " ╭" + "─" * inner + "╮",
        " │ " + content.ljust(inner - 1) + "│",
        " ╰" + "─" * inner + "╯",
    ]


def frame_332(url: str, columns: int = 80) -> list[str]:
    return [
        "Welcome to Claude Code v2.1.332",
        "",
        *ink_wrap(
            "This will guide you through long-lived (1-year) auth token setup for your Claude "
            "account. Claude subscription required.",
            columns,
        ),
        "",
        *ink_wrap(LEAD_332, columns),
        "",
        *hard_wrap(url, columns),
        "",
        " Paste code here if prompted",
        *box(columns),
    ]


def token_frame(token: str, columns: int = 80, *, export: str = "<token>") -> list[str]:
    """The success output of both generations: token one space in, wrapped at width - 1."""
    return [
        "Welcome to Claude Code v2.1.332",
        "",
        " ✔ Long-lived authentication token created",
        "",
        " Your OAuth token (valid for 1 year):",
        "",
        *[" " + piece for piece in hard_wrap(token, columns - 1)],
        "",
        " Store this token securely. You won't be able to see it again.",
        "",
        f" Use this token by setting: export CLAUDE_CODE_OAUTH_TOKEN={export}",
        "",
        " You can revoke it later at https://claude.ai/settings/claude-code",
        "",
    ]


def test_parsers_are_headless() -> None:
    """The parsers run in the flow, the headless command and tests: no Textual, no asyncio."""
    code = (
        "import sys, clawtui.oauth, clawtui.openclaw, clawtui.secret; "
        "print(sorted(m for m in ('textual', 'asyncio', 'asyncssh') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


# ------------------------------------------------------------------------------ secret.Token


def test_token_is_masked_in_every_rendering() -> None:
    value = new_token()
    token = Token(value)
    masked = f"sk-ant-oat01-••••…{value[-4:]}"
    assert str(token) == masked
    assert f"{token}" == masked
    assert f"{token:>60}".strip() == masked
    assert "%s" % token == masked  # noqa: UP031 - the old operator must mask too
    assert value not in repr(token)
    assert masked in repr(token)
    assert value not in repr([token, {"t": token}])
    assert token.reveal() == value


def test_token_never_reaches_a_log_record(caplog: pytest.LogCaptureFixture) -> None:
    value = new_token()
    with caplog.at_level(logging.INFO):
        logging.getLogger("clawtui.test").info("captured %s (%r)", Token(value), Token(value))
    assert value not in caplog.text
    assert value[-4:] in caplog.text


def test_token_facts_for_verification() -> None:
    value = new_token(80)
    token = Token(value)
    assert len(token) == 80
    assert token.last4 == value[-4:]
    assert token.last8 == value[-8:]
    assert token.fingerprint == hashlib.sha256(value.encode()).hexdigest()[:12]
    assert Token(value) == token
    assert hash(Token(value)) == hash(token)
    assert Token(new_token()) != token
    assert token != value  # never equal to the plain string by accident


def test_token_refuses_pickling_but_copies_share_it() -> None:
    token = Token(new_token())
    with pytest.raises(TypeError, match="secret"):
        pickle.dumps(token)
    with pytest.raises(TypeError):
        pickle.dumps({"nested": [token]})
    assert copy.copy(token) is token
    assert copy.deepcopy({"t": token})["t"] is token


def test_token_is_immutable_and_validated_without_echo() -> None:
    token = Token(new_token())
    with pytest.raises(AttributeError):
        token._value = "x"
    bad = new_token() + " oops"
    with pytest.raises(ValueError) as caught:
        Token(bad)
    assert bad not in str(caught.value)
    with pytest.raises(ValueError):
        Token("")


def test_short_token_mask_shows_no_tail() -> None:
    assert str(Token("sk-ant-oat01-ab")) == "sk-ant-oat01-••••…"
    assert str(Token("abcdefghijklmnopqrstu")) == "••••…"  # not a token: nothing shown


def test_code_masks_all_but_the_state_start() -> None:
    secret_part = secrets.token_urlsafe(32)
    state = secrets.token_urlsafe(32)
    code = Code(secret_part, state)
    assert code.reveal() == f"{secret_part}#{state}"
    for rendering in (str(code), repr(code), f"{code}", "%s" % code):  # noqa: UP031
        assert secret_part not in rendering
        assert state[:6] in rendering
        assert state[6:] not in rendering
    assert code == Code(secret_part, state)
    assert code != Code(secret_part, secrets.token_urlsafe(32))
    assert len(code) == len(code.reveal())
    assert code.code == secret_part and code.state == state
    with pytest.raises(TypeError):
        pickle.dumps(code)
    with pytest.raises(ValueError) as caught:
        Code("abc def", state)
    assert "abc def" not in str(caught.value)


# --------------------------------------------------------------------------- find_sign_in_url


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_197_full_url_is_joined_from_hard_wrapped_lines(columns: int) -> None:
    state = secrets.token_urlsafe(32)
    url = full_url(state=state)
    found = find_sign_in_url(make_screen(frame_197(url, columns), columns=columns))
    assert found == SignInUrl(url=url, state=state, source="text")


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_332_short_url_from_text_has_no_state(columns: int) -> None:
    url = short_url()
    rows = frame_332(url, columns)
    # 2.1.332 parks the cursor in the input box, above the end of the frame.
    screen = make_screen(rows, columns=columns, cursor_row=len(rows) - 2)
    assert find_sign_in_url(screen) == SignInUrl(url=url, state=None, source="text")


def test_osc8_target_wins_over_text_and_newest_link_wins() -> None:
    old, new = short_url(), full_url(host="https://claude.ai")
    pieces = hard_wrap(new, 80)
    rows = [*frame_332(old), *pieces]  # the newer link is drawn (wrapped) below the frame
    url_row, new_row = rows.index(old), len(rows) - len(pieces)
    links = (
        Hyperlink("https://claude.ai/settings/claude-code", 0, 0, 10),  # not a sign-in link
        Hyperlink(old, url_row, 0, len(old)),
        *(Hyperlink(new, new_row + i, 0, len(piece)) for i, piece in enumerate(pieces)),
        Hyperlink("https://example.com/help", url_row + 1, 0, 4),
    )
    found = find_sign_in_url(make_screen(rows, links=links))
    assert found is not None
    assert found.url == new and found.source == "osc8"
    assert found.state == new.rsplit("state=", 1)[1]


def test_osc8_link_counts_once_its_text_is_drawn() -> None:
    # The target alone is not enough: a link counts once the screen shows what it says.
    url = short_url()
    rows = [*head_197(80), url[:30]]
    links = (Hyperlink(url, len(rows) - 1, 0, 30),)
    screen = make_screen(rows, cursor_row=len(rows) - 1, links=links)
    assert find_sign_in_url(screen) is None
    rows[-1] = url
    links = (Hyperlink(url, len(rows) - 1, 0, len(url)),)
    screen = make_screen(rows, cursor_row=len(rows) - 1, links=links)
    assert find_sign_in_url(screen) == SignInUrl(url=url, state=None, source="osc8")


@pytest.mark.parametrize("columns", [60, 80])
def test_half_drawn_url_is_never_reported(columns: int) -> None:
    url = full_url()
    head = head_197(columns)
    for cut in range(1, len(url) + 1):
        pieces = hard_wrap(url[:cut], columns)
        # Still writing on the last line...
        drawing = make_screen(
            [*head, *pieces, "", "", ""], columns=columns, cursor_row=len(head) + len(pieces) - 1
        )
        assert find_sign_in_url(drawing) is None, cut
        # ...or the line was just finished with a newline and the cursor went down.
        if cut % columns == 0:
            newline = make_screen(
                [*head, *pieces, "", ""], columns=columns, cursor_row=len(head) + len(pieces)
            )
            assert find_sign_in_url(newline) is None, cut


def test_url_is_complete_once_the_cursor_leaves_a_short_last_line() -> None:
    url = full_url()
    pieces = hard_wrap(url, 80)
    assert len(pieces[-1]) < 80
    rows = [*head_197(80), *pieces, "", ""]
    last = len(head_197(80)) + len(pieces) - 1
    assert find_sign_in_url(make_screen(rows, cursor_row=last)) is None
    assert find_sign_in_url(make_screen(rows, cursor_row=last + 1)) is not None


def test_url_ending_exactly_at_the_edge_is_found_only_when_whole() -> None:
    # Pad the client id so that the URL fills exactly five lines of 80.
    url = full_url()
    padded = url.replace("client_id=", "client_id=" + "x" * (400 - len(url)))
    assert len(padded) == 400
    found = find_sign_in_url(make_screen(frame_197(padded)))
    assert found is not None and found.url == padded
    # pyte truncates lines when the terminal shrinks: a URL cut at the new width, with the
    # prompt still below it, must not be taken for the whole URL.
    truncated = [*head_197(60), short_url()[:60], "", " Paste code here if prompted", *box(60)]
    assert find_sign_in_url(make_screen(truncated, columns=60)) is None


def test_url_damaged_by_a_redraw_is_not_reported() -> None:
    # 2.1.197 blanks the first column of each URL line while echoing a paste (recorded).
    url = full_url()
    rows = frame_197(url)
    damaged = [
        " " + row[1:] if index >= len(head_197(80)) and row and not row.startswith(" ") else row
        for index, row in enumerate(rows)
    ]
    assert find_sign_in_url(make_screen(damaged)) is None
    # Only the lines after the first damaged: the joined URL would be cut short.
    first_ok = list(damaged)
    first_ok[len(head_197(80))] = rows[len(head_197(80))]
    assert find_sign_in_url(make_screen(first_ok)) is None


def test_url_being_redrawn_over_old_text_is_not_reported() -> None:
    # Ink overwrites in place and erases the rest of a line only after writing it: the row the
    # cursor is on may be new on the left and stale on the right.
    old, new = full_url(), full_url()
    rows = frame_197(old)
    first = len(head_197(80))
    rows[first + 2] = new[160:200] + old[200:240]
    rows[first], rows[first + 1] = new[:80], new[80:160]
    screen = make_screen(rows, cursor_row=first + 2)
    found = find_sign_in_url(screen)
    assert found is None
    # Stale frame below the cursor, cursor above it (2.1.332 parks it in its input box): the
    # old frame was finished, so its URL can be read.
    assert find_sign_in_url(make_screen(frame_197(old), cursor_row=1)) is not None


def test_newest_lead_in_wins_and_a_new_partial_url_hides_the_old_one() -> None:
    old, new = full_url(), full_url()
    rows = [*frame_197(old), "", *frame_197(new)]
    found = find_sign_in_url(make_screen(rows))
    assert found is not None and found.url == new
    drawing = [*frame_197(old), "", *head_197(80), new[:100]]
    assert find_sign_in_url(make_screen(drawing, cursor_row=len(drawing) - 1)) is None


def test_url_in_scrollback_is_found() -> None:
    url = full_url()
    rows = [*frame_197(url), *[""] * 30]
    assert find_sign_in_url(make_screen(rows, screen_start=6)) is not None


def test_simulator_and_seed_layouts_are_accepted() -> None:
    local = "http://127.0.0.1:43127/oauth/authorize?code=true&state=" + secrets.token_urlsafe(32)
    assert find_sign_in_url(make_screen(frame_197(local))) is None  # only where allowed
    found = find_sign_in_url(
        make_screen(frame_197(local)), test_signin_base="http://127.0.0.1:43127"
    )
    assert found is not None and found.url == local and found.state == local.split("state=")[1]
    # The seed's manual run broke the URL before each & (shorter lines), then a blank line.
    url = full_url(host="https://claude.ai")
    seed = [
        LEAD_197,
        "",
        *url.replace("&", "\n&").split("\n"),
        "",
        "Paste code here if prompted >",
    ]
    found = find_sign_in_url(make_screen(seed))
    assert found is not None and found.url == url


def test_wrong_urls_after_the_lead_in_are_ignored() -> None:
    for url in (
        "https://claude.ai/settings/claude-code",
        "https://claude.ai/oauth/authorize",  # no query
        "ftp://claude.ai/oauth/authorize?x=1",
        "https://claude.ai:99999/oauth/authorize?x=1",
    ):
        assert find_sign_in_url(make_screen(frame_197(url))) is None, url
    assert find_sign_in_url(make_screen(["Welcome to Claude Code v2.1.332", ""])) is None
    assert is_authorize_url(
        "http://localhost:8080/oauth/authorize?I" + "a" * 43,
        test_signin_base="http://localhost:8080",
    )


# ----------------------------------------------------------------------------- normalize_code


def fresh_code() -> tuple[str, str]:
    return secrets.token_urlsafe(32), secrets.token_urlsafe(32)


def test_plain_code_and_state() -> None:
    code, state = fresh_code()
    assert normalize_code(f"{code}#{state}") == Code(code, state)
    assert normalize_code(f"{code}#{state}", expected_state=state) == Code(code, state)


@pytest.mark.parametrize(
    "dress",
    [
        "  {}  ",
        "'{}'",
        '"{}"',
        "`{}`",
        "‘{}’",
        "“{}”",
        "«{}»",
        "\u200b{}\ufeff",
        '"\n{}\n"',
    ],
)
def test_quotes_and_blanks_around_the_code_are_removed(dress: str) -> None:
    code, state = fresh_code()
    assert normalize_code(dress.format(f"{code}#{state}")) == Code(code, state)


def test_code_copied_across_wrapped_lines() -> None:
    code, state = fresh_code()
    wrapped = "\n".join(hard_wrap(f"{code}#{state}", 30)) + "\r\n"
    assert normalize_code(wrapped) == Code(code, state)
    assert normalize_code(f"{code[:10]}\t {code[10:]} #\n {state}") == Code(code, state)


@pytest.mark.parametrize(
    "host",
    ["https://platform.claude.com", "https://console.anthropic.com", "http://127.0.0.1:8765"],
)
def test_callback_url_gives_code_and_state(host: str) -> None:
    code, state = fresh_code()
    url = f"{host}/oauth/code/callback?code={code}&state={state}"
    assert normalize_code(url) == Code(code, state)
    assert normalize_code(f"'{url[:40]}\n{url[40:]}'") == Code(code, state)
    reordered = f"{host}/oauth/code/callback?state={state}&foo=1&code={code}"
    assert normalize_code(reordered, expected_state=state) == Code(code, state)


def refusal(text: str, *, expected_state: str | None = None) -> CodeError:
    with pytest.raises(CodeError) as caught:
        normalize_code(text, expected_state=expected_state)
    error = caught.value
    assert isinstance(error, ClawError)
    return error


def test_each_refusal_says_what_to_ask_for_without_echoing_the_code() -> None:
    code, state = fresh_code()
    other_state = secrets.token_urlsafe(32)
    cases = {
        CodeProblem.EMPTY: refusal("  \n ''  "),
        CodeProblem.MISSING_STATE: refusal(code),
        CodeProblem.VERIFICATION_CODE: refusal("123 456"),
        CodeProblem.BAD_CHARACTERS: refusal(f"{code}!#{state}"),
        CodeProblem.TWO_CODES: refusal(f"{code}#{state}{code}#{state}"),
        CodeProblem.MISSING_CODE: refusal(f"#{state}"),
        CodeProblem.STATE_MISMATCH: refusal(f"{code}#{state}", expected_state=other_state),
    }
    messages = set()
    for problem, error in cases.items():
        assert error.problem is problem
        message = str(error)
        assert code not in message and code[:12] not in message
        assert state[6:] not in message
        assert "ask" in message.lower(), message
        messages.add(message)
    assert len(messages) == len(cases), "every refusal has its own message"
    assert "after the #" in str(cases[CodeProblem.MISSING_STATE])
    assert "browser" in str(cases[CodeProblem.VERIFICATION_CODE])
    assert "open the current link again" in str(cases[CodeProblem.STATE_MISMATCH])


def test_more_refusals() -> None:
    code, state = fresh_code()
    assert refusal(f"{code}#").problem is CodeProblem.MISSING_STATE
    assert refusal(f"{code}#{state}/x").problem is CodeProblem.BAD_CHARACTERS
    assert refusal(f"{code}#stäte").problem is CodeProblem.BAD_CHARACTERS
    assert refusal("https://platform.claude.com/oauth/code/callback?state=abc").problem is (
        CodeProblem.MISSING_CODE
    )
    no_state = refusal(f"https://platform.claude.com/oauth/code/callback?code={code}")
    assert no_state.problem is CodeProblem.MISSING_STATE
    assert code not in str(no_state)
    # Six digits with a state is a real code shape, not a verification code.
    assert normalize_code(f"123456#{state}") == Code("123456", state)


@given(
    code=B64URL,
    state=B64URL,
    cuts=st.lists(st.tuples(st.integers(min_value=0), st.sampled_from([" ", "\n", "\r\n", "\t"]))),
    quote=st.sampled_from(["", "'", '"', "`", "“", "‘"]),
)
def test_normalize_ignores_inserted_blanks_and_quotes(
    code: str, state: str, cuts: list[tuple[int, str]], quote: str
) -> None:
    text = f"{code}#{state}"
    for position, blank in cuts:
        at = position % (len(text) + 1)
        text = text[:at] + blank + text[at:]
    closing = {"“": "”", "‘": "’"}.get(quote, quote)
    dressed = f"{quote}{text}{closing}"
    result = normalize_code(dressed)
    assert result == Code(code, state)
    assert normalize_code(result.reveal()) == result  # idempotent on its own output
    assert normalize_code(result.reveal(), expected_state=state) == result


# -------------------------------------------------------------------------------- find_token


@pytest.mark.parametrize("columns", [60, 80, 120])
@pytest.mark.parametrize("length", [79, 80, 108])
def test_token_is_dewrapped(columns: int, length: int) -> None:
    value = new_token(length)
    capture = find_token(make_screen(token_frame(value, columns), columns=columns))
    assert capture is not None
    assert capture.token.reveal() == value
    assert bool(capture.warnings) == (length < OPENCLAW_MIN_TOKEN_LENGTH)


def test_token_whose_top_scrolled_into_scrollback() -> None:
    value = new_token(108)
    rows = token_frame(value, 60)
    capture = find_token(make_screen(rows, columns=60, screen_start=7))
    assert capture is not None and capture.token.reveal() == value


def test_short_token_warns_about_openclaw_without_the_token() -> None:
    value = new_token(80)
    capture = find_token(make_screen(token_frame(value)))
    assert capture is not None
    (warning,) = capture.warnings
    assert "90" in warning and "OpenClaw" in warning
    assert value not in warning and value[-8:] not in warning


@pytest.mark.parametrize("columns", [60, 80])
def test_half_printed_token_is_never_reported(columns: int) -> None:
    value = new_token(150)
    head = token_frame(value, columns)[:6]
    for cut in range(1, len(value) + 1):
        pieces = [" " + piece for piece in hard_wrap(value[:cut], columns - 1)]
        drawing = make_screen(
            [*head, *pieces, "", ""], columns=columns, cursor_row=len(head) + len(pieces) - 1
        )
        assert find_token(drawing) is None, cut
        if cut % (columns - 1) == 0:
            newline = make_screen(
                [*head, *pieces, "", ""], columns=columns, cursor_row=len(head) + len(pieces)
            )
            assert find_token(newline) is None, cut
    done = [*head, *[" " + p for p in hard_wrap(value, columns - 1)], "", " Store this token"]
    assert find_token(make_screen(done, columns=columns, cursor_row=len(done) - 1)) is not None


def test_token_written_over_an_old_frame_is_not_reported() -> None:
    # Recorded with 2.1.197 cut at an unlucky byte: the token's second line half written over
    # a line of the old sign-in URL (same alphabet), the rest of the old frame below.
    value = new_token(108)
    rows = token_frame(value)
    old_url_rest = full_url()[100:140]
    rows[7] = " " + value[79:89] + old_url_rest
    rows[8:] = ["", "", " Paste code here if prompted >"]
    assert find_token(make_screen(rows, cursor_row=7)) is None


def test_token_filling_the_last_line_waits_for_the_next_one() -> None:
    value = new_token(79)  # exactly one line at 80 columns
    rows = token_frame(value)
    assert rows[6] == " " + value
    assert find_token(make_screen(rows[:8], cursor_row=7)) is None  # a second line may come
    capture = find_token(make_screen(rows[:9], cursor_row=8))
    assert capture is not None and capture.token.reveal() == value


def test_token_cross_checked_with_the_export_line() -> None:
    value = new_token(108)
    # Same token in the export line: fine; a different one: refused without showing either.
    same = find_token(make_screen(token_frame(value, 200, export=value), columns=200))
    assert same is not None and same.token.reveal() == value
    other = new_token(108)
    with pytest.raises(TokenParseError) as caught:
        find_token(make_screen(token_frame(value, 200, export=other), columns=200))
    assert value not in str(caught.value) and other not in str(caught.value)
    assert isinstance(caught.value, ClawError)
    # The export line still being drawn (a prefix of the token so far): wait.
    rows = token_frame(value, 200, export=value[:50])[:11]
    assert find_token(make_screen(rows, columns=200, cursor_row=10)) is None


def test_export_line_wrapped_at_the_width_is_joined() -> None:
    value = new_token(108)
    columns = 80
    export_line = f" Use this token by setting: export CLAUDE_CODE_OAUTH_TOKEN={value}"
    rows = [*token_frame(value, columns)[:9], "", *hard_wrap(export_line, columns), "", " You"]
    capture = find_token(make_screen(rows, columns=columns))
    assert capture is not None and capture.token.reveal() == value


def test_token_with_an_unexpected_prefix_is_refused() -> None:
    rows = token_frame("sk-ant-oat02-" + secrets.token_urlsafe(70))
    with pytest.raises(TokenParseError, match="does not start with"):
        find_token(make_screen(rows))


def test_no_token_heading_means_no_token() -> None:
    assert find_token(make_screen(frame_197(full_url()))) is None
    rows = token_frame(new_token())[:6]  # heading printed, nothing yet
    assert find_token(make_screen(rows, cursor_row=5)) is None


@given(
    token_tail=st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
        min_size=7,
        max_size=187,
    ),
    columns=st.integers(min_value=40, max_value=200),
)
def test_dewrapping_recovers_any_token_at_any_width(token_tail: str, columns: int) -> None:
    value = "sk-ant-oat01-" + token_tail
    assert 20 <= len(value) <= 200
    capture = find_token(make_screen(token_frame(value, columns), columns=columns))
    assert capture is not None
    assert capture.token.reveal() == value


# ---------------------------------------------------------------------------- read_setup_token


def test_waiting_for_the_code_197() -> None:
    url = full_url()
    status = read_setup_token(make_screen(frame_197(url)))
    assert status.version == "2.1.197"
    assert status.url is not None and status.url.url == url
    assert status.prompt_ready and status.prompt_input == ""
    assert status.error is None and not status.success and status.token is None
    typed = frame_197(url)
    typed[-1] += " ***********gstate"
    assert read_setup_token(make_screen(typed)).prompt_input == "***********gstate"


def test_waiting_for_the_code_332() -> None:
    rows = frame_332(short_url())
    status = read_setup_token(make_screen(rows, cursor_row=len(rows) - 2))
    assert status.version == "2.1.332"
    assert status.prompt_ready and status.prompt_input == ""
    rows[-2] = box(80, "***********gstate")[1]
    assert read_setup_token(make_screen(rows)).prompt_input == "***********gstate"
    # The box is not drawn to the end yet: not ready.
    assert not read_setup_token(make_screen(rows[:-1], cursor_row=len(rows) - 2)).prompt_ready
    # No prompt at all while the spinner runs.
    spinner = ["Welcome to Claude Code v2.1.197", "", " ✢ Opening browser to sign in…"]
    status = read_setup_token(make_screen(spinner))
    assert not status.prompt_ready and status.url is None and status.prompt_input is None


INTRO_332 = [
    "Welcome to Claude Code v2.1.332",
    "",
    " This will guide you through long-lived (1-year) auth token setup for your",
    " Claude account. Claude subscription required.",
    "",
]

ERROR_SCREENS: list[tuple[str, list[str], SetupTokenErrorKind, bool]] = [
    (
        "332 no #",
        [
            " ✘ That doesn't look like the full code.",
            "   Copy all of it, including the # in the middle.",
        ],
        SetupTokenErrorKind.MISSING_STATE,
        False,
    ),
    (
        "197 no #",
        [
            " OAuth error: Invalid code. Please make sure the full code was copied",
            "",
            " Press Enter to retry.",
        ],
        SetupTokenErrorKind.MISSING_STATE,
        True,
    ),
    (
        "332 verification code",
        [
            " ✘ That looks like a verification code.",
            "   Enter it in your browser, on the page that asks for it. If a page then shows",
            "   a longer code, paste it here.",
        ],
        SetupTokenErrorKind.VERIFICATION_CODE,
        False,
    ),
    (
        "332 refused",
        [
            " ✘ OAuth error: That code wasn’t accepted. It may be incomplete, expired,",
            "   already used, or from an earlier sign-in attempt. Sign in again to get a new",
            "   code.",
            "",
            " Press Enter to retry",
        ],
        SetupTokenErrorKind.CODE_REFUSED,
        True,
    ),
    (
        "197 refused",
        [" OAuth error: Request failed with status code 400", "", " Press Enter to retry."],
        SetupTokenErrorKind.CODE_REFUSED,
        True,
    ),
    (
        "332 unreachable",
        [
            " ✘ OAuth error: Couldn't get an answer from the sign-in service (EAI_AGAIN).",
            "   Check your internet connection, then try again.",
            "",
            " Press Enter to retry",
        ],
        SetupTokenErrorKind.SERVICE_UNREACHABLE,
        True,
    ),
    (
        "197 unreachable",
        [
            " OAuth error: getaddrinfo ECONNREFUSED platform.claude.com",
            "",
            " Press Enter to retry.",
        ],
        SetupTokenErrorKind.SERVICE_UNREACHABLE,
        True,
    ),
    (
        "other",
        [" OAuth error: Request failed with status code 500", "", " Press Enter to retry."],
        SetupTokenErrorKind.OTHER,
        True,
    ),
]


@pytest.mark.parametrize(
    ("rows", "kind", "retry"),
    [case[1:] for case in ERROR_SCREENS],
    ids=[c[0] for c in ERROR_SCREENS],
)
def test_error_kinds_in_both_wordings(
    rows: list[str], kind: SetupTokenErrorKind, retry: bool
) -> None:
    status = read_setup_token(make_screen([*INTRO_332, *rows, "", ""]))
    assert status.error is not None
    assert status.error.kind is kind
    assert status.retry_offered is retry
    assert not status.success and status.token is None
    # The program's own words, without the ✘ marker and without the retry line.
    assert status.error.lines[0] == rows[0].strip().lstrip("✘ ")
    assert "Press Enter" not in status.error.message


def test_error_under_the_prompt_box_with_the_cursor_parked_in_the_box() -> None:
    rows = [
        *frame_332(short_url()),
        " ✘ That doesn't look like the full code.",
        "   Copy all of it, including the # in the middle.",
        "",
        "",
    ]
    box_row = rows.index(box(80)[1])
    status = read_setup_token(make_screen(rows, cursor_row=box_row))
    assert status.prompt_ready  # the box stays: the customer can try again
    assert status.error is not None and status.error.kind is SetupTokenErrorKind.MISSING_STATE
    assert status.error.message == (
        "That doesn't look like the full code. Copy all of it, including the # in the middle."
    )


def test_error_still_being_drawn_is_not_reported() -> None:
    rows = [*INTRO_332, " OAuth error: Request failed with status", "", ""]
    assert read_setup_token(make_screen(rows, cursor_row=5)).error is None
    assert read_setup_token(make_screen(rows, cursor_row=6)).error is None  # may continue
    rows[6] = " code 400"
    assert read_setup_token(make_screen(rows, cursor_row=7)).error is None  # may continue
    # Stale text below the cursor (left from the frame before) proves nothing.
    assert read_setup_token(make_screen([*rows, " Press Enter"], cursor_row=7)).error is None
    for moved_on in (
        make_screen(rows, cursor_row=8),  # a blank line written after it
        make_screen([*rows, " Press Enter to retry.", ""], cursor_row=9),
    ):
        status = read_setup_token(moved_on)
        assert status.error is not None and status.error.kind is SetupTokenErrorKind.CODE_REFUSED
        assert status.error.message == "OAuth error: Request failed with status code 400"


def test_error_written_over_an_old_line_is_not_reported() -> None:
    # 2.1.197 writes the error over the old lead-in line; cut mid-line, the rest is stale.
    rows = ["Welcome to Claude Code v2.1.197", "", " OAuth error: getaen? Use the url below", ""]
    assert read_setup_token(make_screen(rows, cursor_row=2)).error is None
    rows[2] = " OAuth error: getaddrinfo ECONNREFUSED platform.claude.com"
    rows[3:] = ["", " Press Enter to retry.", ""]
    status = read_setup_token(make_screen(rows, cursor_row=6))
    assert status.error is not None and status.error.kind is SetupTokenErrorKind.SERVICE_UNREACHABLE


def test_version_still_being_written_is_not_reported() -> None:
    rows = ["Welcome to Claude Code v2.1.3"]
    assert read_setup_token(make_screen(rows, cursor_row=0)).version is None
    rows = ["Welcome to Claude Code v2.1.332", ""]
    assert read_setup_token(make_screen(rows, cursor_row=1)).version == "2.1.332"


def test_retrying_in_both_wordings() -> None:
    for line in (" Retrying…", " ✽ Retrying sign-in…", " · Retrying sign-in…"):
        status = read_setup_token(make_screen([*INTRO_332, line]))
        assert status.retrying and not status.retry_offered and status.error is None


@pytest.mark.parametrize(
    "success_line",
    [
        " ✓ Long-lived authentication token created successfully!",
        " ✔ Long-lived authentication token created",
    ],
)
def test_success_with_token(success_line: str) -> None:
    value = new_token(108)
    rows = token_frame(value)
    rows[2] = success_line
    status = read_setup_token(make_screen(rows))
    assert status.success
    assert status.token is not None and status.token.token.reveal() == value
    assert status.url is None and not status.prompt_ready and status.error is None
    assert value not in repr(status)


def test_raw_mode_error_without_a_pty() -> None:
    rows = [
        "Error: Raw mode is not supported on the current process.stdin, which Ink uses as input",
        "stream by default.",
    ]
    status = read_setup_token(make_screen(rows))
    assert status.no_pty and not status.prompt_ready


def test_blank_screen_means_nothing_yet() -> None:
    status = read_setup_token(make_screen(["", "", ""]))
    assert status == type(status)()


def test_a_long_paste_wrapped_in_the_prompt_is_read_whole() -> None:
    """A CODE#STATE is ~100 characters: it wraps in both prompts, and the flow must see its end
    arrive before pressing Enter."""
    boxed = ScreenText.from_text(
        " Paste code here if prompted\n"
        " ╭──────────────────────────────╮\n"
        " │ **************************** │\n"
        " │ *****UQo9so                  │\n"
        " ╰──────────────────────────────╯\n"
        "\n"
    )
    status = read_setup_token(boxed)
    assert status.prompt_ready and status.prompt_input == "*" * 33 + "UQo9so"
    inline = ScreenText.from_text(
        " Paste code here if prompted > ****************************\n**********ObYWsk\n\n"
    )
    status = read_setup_token(inline)
    assert status.prompt_ready and status.prompt_input == "*" * 38 + "ObYWsk"
    half_drawn = ScreenText.from_text(" Paste code here if prompted\n ╭─────╮\n │ *** │\n")
    assert read_setup_token(half_drawn).prompt_input is None
