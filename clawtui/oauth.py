"""Reading `claude setup-token` off the screen, and checking what the customer reads back.

The onboarding flow drives a program written for humans: it never says "here is the URL" in a
machine-readable way, it draws text with Ink, redraws it in place, hard-wraps it to the terminal
width and (since 2.1.332) hides the URL behind OSC 8 hyperlinks. These pure functions turn a
`ScreenText` into facts the flow can act on: the sign-in URL, whether the code prompt waits,
which error the program shows, and the token it prints once. The flow calls them after every
output chunk, so each must be cheap and must answer "not there yet" (None) rather than a
half-drawn URL or token.

`normalize_code` is the other direction: the CODE#STATE a customer reads out or pastes is
cleaned up and refused, with a message saying what to ask the customer for, before it is typed
into a program that would otherwise answer with a less helpful error.

Both generations of the program are handled (FLOW.md): 2.1.197 and 2.1.332 word things
differently; every pattern below lists both.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from clawtui.errors import ClawError
from clawtui.secret import SECRET_ALPHABET, TOKEN_PREFIX, Code, Token
from clawtui.snapshot import Hyperlink, ScreenText

# --------------------------------------------------------------------------------------------
# Shared helpers on ScreenText
# --------------------------------------------------------------------------------------------


def _row_of(text: str, offset: int) -> int:
    """Line index (into `ScreenText.lines`) of a character offset into `ScreenText.text`."""
    return text.count("\n", 0, offset)


def _last_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    match = None
    for match in pattern.finditer(text):  # noqa: B007 - we want the last one
        pass
    return match


def _cursor_row(screen: ScreenText) -> int:
    """The cursor's row as an index into `screen.lines`."""
    return screen.screen_start + screen.cursor[1]


def _written(screen: ScreenText, first_row: int, last_row: int) -> bool:
    """Whether rows first_row..last_row hold text the program has finished writing.

    Ink and clack redraw in place: they move the cursor up and overwrite line by line, erasing
    the rest of each line only after writing it. So the cursor's row may hold new text on the
    left and stale text on the right, and rows below the cursor may be left over from the
    previous frame. Rows above the cursor were written in this pass; rows below it come from a
    pass that finished. Only a block the cursor is not in can be trusted.
    """
    return not first_row <= _cursor_row(screen) <= last_row


def _may_continue(screen: ScreenText, last_row: int) -> bool:
    """Whether a hard-wrapped block ending at `last_row` may still get another line: its last
    line fills the width and the cursor sits at the start of the next row."""
    return len(screen.lines[last_row]) >= screen.columns and _cursor_row(screen) == last_row + 1


# --------------------------------------------------------------------------------------------
# The sign-in URL
# --------------------------------------------------------------------------------------------

# Characters a URL can hold (RFC 3986 unreserved + reserved + %). A wrapped URL line is made of
# these only; a space (an indent, or a column Ink blanked while redrawing) ends the URL.
_URL_LINE = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
# 2.1.197: "Use the url below to sign in"; 2.1.332: "Use the URL below to sign in". May wrap.
_LEAD_IN = re.compile(r"use\s+the\s+url\s+below", re.IGNORECASE)
_CODE_PROMPT = re.compile(r"Paste code here")
# The short form 2.1.332 prints: `?I` + 43 base64url characters, no parameters, no state.
_SHORT_QUERY = re.compile(r"I[A-Za-z0-9_-]{43}")
# A full-form state: 32 random bytes in base64url, as every recorded run shows.
_FULL_STATE_LEN = 43


@dataclass(frozen=True)
class SignInUrl:
    """The URL the customer must open, as the program showed it."""

    url: str
    state: str | None  # the `state` query parameter; None for the short form
    source: Literal["osc8", "text"]


# The only sign-in links clawtui offers (FLOW.md): https, Anthropic's own hosts, these exact
# paths. Compared as plain prefixes of the whole URL, so that no parser (Python's, a browser's)
# can disagree about the host: `https://claude.ai@evil/`, `https://claude.ai.evil.example/`,
# `https://claude.ai:8443/`, `https://claude%2Eai/` and look-alike letters all fail.
ANTHROPIC_SIGN_IN_PREFIXES = (
    "https://claude.ai/oauth/authorize?",
    "https://claude.com/cai/oauth/authorize?",
)
ANTHROPIC_SIGN_IN_HOSTS = ("claude.ai", "claude.com")
# The same two paths on a test origin (the simulator's loopback page), when a box allows one.
_TEST_PATHS = ("/oauth/authorize?", "/cai/oauth/authorize?")
# What a sign-in link looks like, wherever it points: offered only when it is one of the above,
# otherwise reported (by host) so the operator is warned.
_SIGN_IN_SHAPE = re.compile(r"^https?://[^\s]*oauth/authorize", re.IGNORECASE)
_AUTHORITY_END = re.compile(r"[/\\?#]")
_HOST_LABEL_LIMIT = 80


def is_authorize_url(url: str, *, test_signin_base: str | None = None) -> bool:
    """Whether `url` is a sign-in link clawtui may offer: over https from Anthropic's sign-in
    hosts in the forms FLOW.md gives, or on `test_signin_base` (the simulator's loopback origin,
    set in the inventory for demo boxes only) with the same paths. Exact text, no lookalikes."""
    if not _URL_LINE.fullmatch(url):
        return False
    prefixes: tuple[str, ...] = ANTHROPIC_SIGN_IN_PREFIXES
    if test_signin_base:
        base = test_signin_base.rstrip("/")
        prefixes += tuple(base + path for path in _TEST_PATHS)
    return any(url.startswith(prefix) and len(url) > len(prefix) for prefix in prefixes)


def looks_like_sign_in_url(url: str) -> bool:
    """Whether `url` has the shape of an OAuth sign-in link, on any host."""
    return bool(_SIGN_IN_SHAPE.match(url))


def link_host(url: str) -> str:
    """Where a link would take a browser, for a warning: the host as a browser reads it (after
    any `user@`, before a port; a backslash ends it as it does in browsers), prefixed with the
    scheme unless https. Safe to print: anything but printable ASCII is escaped, and it is cut
    short."""
    scheme, _, rest = url.partition("://")
    authority = _AUTHORITY_END.split(rest, maxsplit=1)[0]
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        host = host[: host.find("]") + 1] if "]" in host else host
    else:
        host = host.partition(":")[0]
    label = "".join(ch if " " < ch < "\x7f" else f"\\u{ord(ch):04x}" for ch in host) or "(none)"
    if len(label) > _HOST_LABEL_LIMIT:
        label = label[:_HOST_LABEL_LIMIT] + "…"
    if scheme.lower() != "https":
        prefix = "".join(ch if ch.isascii() and ch.isalnum() else "?" for ch in scheme[:10])
        label = f"{prefix}://{label}"
    return label


@functools.lru_cache(maxsize=64)  # the same link is read after every chunk
def state_of(url: str) -> str | None:
    """The `state` query parameter of a sign-in URL, or None (short form, or absent)."""
    query = urlsplit(url).query
    if "=" not in query:
        return None
    values = parse_qs(query, keep_blank_values=True).get("state")
    return values[-1] if values and values[-1] else None


def _evidently_whole(url: str) -> bool:
    """For a URL whose last line fills the terminal width, where layout cannot tell "ends at
    the edge" from "cut off" (a partial draw, or pyte truncating lines on a resize): accept only
    the shapes the recorded programs end with."""
    try:
        query = urlsplit(url).query
    except ValueError:  # a box's "[" or odd Unicode in the host: not a URL to trust
        return False
    if "=" not in query:
        return bool(_SHORT_QUERY.fullmatch(query))
    last_key, _, last_value = query.rpartition("&")[2].partition("=")
    return last_key == "state" and len(last_value) == _FULL_STATE_LEN


@dataclass(frozen=True)
class SignInLinks:
    """What the screen shows in the way of sign-in links."""

    url: SignInUrl | None  # the newest link clawtui may offer, complete
    foreign_hosts: tuple[str, ...] = ()  # hosts (see `link_host`) of links it must never offer


def find_sign_in_url(
    screen: ScreenText, *, test_signin_base: str | None = None
) -> SignInUrl | None:
    """The newest sign-in URL the screen shows, complete, or None.

    An OSC 8 hyperlink carries the whole URL in its target; it counts only where the text it
    covers on screen is that URL (in one piece or wrapped across rows), so a link drawn over
    blanks, over other text or over nothing never wins. Without one (2.1.197), the hard-wrapped
    lines after the newest lead-in line are joined. That is trusted only when the cursor is not
    on them (see `_written`) and a blank line or the prompt ends them; a last line that fills
    the width may have been cut (a partial draw, or a resize that truncated it), so then only
    the shapes the real programs end with are accepted. Only Anthropic's sign-in links (and
    `test_signin_base`'s) are ever returned: see `is_authorize_url`.
    """
    return find_sign_in_links(screen, test_signin_base=test_signin_base).url


def find_sign_in_links(screen: ScreenText, *, test_signin_base: str | None = None) -> SignInLinks:
    """`find_sign_in_url`, plus the hosts of sign-in links on screen that are not allowed."""
    return _find_links(screen, screen.text, test_signin_base)


def _find_links(screen: ScreenText, text: str, test_signin_base: str | None) -> SignInLinks:
    found: SignInUrl | None = None
    for url in _shown_link_targets(screen):
        if is_authorize_url(url, test_signin_base=test_signin_base):
            found = SignInUrl(url=url, state=state_of(url), source="osc8")
            break
    # Every hyperlink target shaped like a sign-in link elsewhere is worth a warning, shown or
    # hidden behind other text: a terminal may still open it when clicked.
    hosts: dict[str, None] = {}
    for target in dict.fromkeys(link.url for link in screen.links):
        host = _foreign_host(target, test_signin_base)
        if host is not None:
            hosts[host] = None
    text_url = _find_text_url(screen, text)
    if text_url is not None:
        if is_authorize_url(text_url, test_signin_base=test_signin_base):
            if found is None:
                found = SignInUrl(url=text_url, state=state_of(text_url), source="text")
        else:
            host = _foreign_host(text_url, test_signin_base)
            if host is not None:
                hosts[host] = None
    return SignInLinks(found, tuple(hosts))


@functools.lru_cache(maxsize=256)
def _foreign_host(url: str, test_signin_base: str | None) -> str | None:
    """The host of a link shaped like a sign-in link that leads away from Anthropic's sign-in
    hosts (and from `test_signin_base`), else None. A malformed link on Anthropic's own hosts is
    not offered either, but there is no foreign host to warn about."""
    if not looks_like_sign_in_url(url):
        return None
    if test_signin_base and url.startswith(test_signin_base.rstrip("/") + "/"):
        return None
    host = link_host(url)
    return None if host in ANTHROPIC_SIGN_IN_HOSTS else host


def _columns(line: str, start: int, end: int) -> str:
    """The text of screen columns start..end of a line (wide characters take two columns,
    combining marks none), as the model's plain lines hold them."""
    if line.isascii():
        return line[start:end]
    column = 0
    first = len(line)
    last = len(line)
    for index, char in enumerate(line):
        if column >= start and first == len(line):
            first = index
        if column >= end:
            last = index
            break
        if unicodedata.combining(char):
            continue
        column += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return line[first:last]


def _shown_link_targets(screen: ScreenText) -> list[str]:
    """Targets of the OSC 8 links whose covered text, as the screen shows it now, spells out
    the whole target (one row, or consecutive rows in drawing order): newest first.

    One pass over the links in drawing order, tracking how much of its target each link's run
    of rows has spelled so far, so a box drawing many links cannot make this quadratic.
    """
    lines = screen.lines
    offset = screen.row_offset
    shown: list[str] = []
    previous: Hyperlink | None = None
    spelled = -1  # characters of previous.url spelled by its run of rows; -1: none
    for link in screen.links:
        index = link.row - offset
        piece = _columns(lines[index], link.start, link.end) if 0 <= index < len(lines) else ""
        url = link.url
        matched = -1
        if (
            piece
            and previous is not None
            and spelled > 0
            and previous.url == url
            and link.row == previous.row + 1
            and url.startswith(piece, spelled)
        ):
            matched = spelled + len(piece)
        elif piece and url.startswith(piece):
            matched = len(piece)
        if matched == len(url):
            shown.append(url)
            matched = -1
        previous, spelled = link, matched
    shown.reverse()
    return shown


def _last_lead_in(text: str) -> re.Match[str] | None:
    # A case-insensitive scan of all the scrollback on every chunk is slow; "below" is rare.
    end = len(text)
    while (end := text.rfind("below", 0, end)) != -1:
        match = _LEAD_IN.search(text, max(0, end - 40), end + 5)
        if match:
            return match
    return None


def _find_text_url(screen: ScreenText, text: str) -> str | None:
    """The URL joined from the lines after the newest lead-in, once complete; any host."""
    lead = _last_lead_in(text)
    if lead is None:
        return None
    lines = screen.lines
    # The lead-in may wrap (" … sign in (c to" / " copy)") and a blank line follows it: the URL
    # starts on the first line that begins with a scheme, within a few lines.
    start = None
    lead_row = _row_of(text, lead.end())
    for row in range(lead_row + 1, min(len(lines), lead_row + 5)):
        line = lines[row]
        if line.startswith(("http://", "https://")):
            start = row
            break
        if _CODE_PROMPT.search(line):
            return None
    if start is None:
        return None
    end = start
    while end + 1 < len(lines) and _URL_LINE.fullmatch(lines[end + 1]):
        end += 1
    url = "".join(lines[start : end + 1])
    if not looks_like_sign_in_url(url) or not _written(screen, start, end) or end + 1 >= len(lines):
        return None
    # A blank line or the prompt must end it; anything else is a line being redrawn.
    following = lines[end + 1]
    if following.strip() and not _CODE_PROMPT.search(following):
        return None
    if len(lines[end]) >= screen.columns and not _evidently_whole(url):
        return None
    return url


# --------------------------------------------------------------------------------------------
# CODE#STATE from the customer
# --------------------------------------------------------------------------------------------


class CodeProblem(StrEnum):
    """Why a code was refused; the TUI may pick a hint by it."""

    EMPTY = "empty"
    VERIFICATION_CODE = "verification_code"
    BAD_CHARACTERS = "bad_characters"
    TWO_CODES = "two_codes"
    MISSING_STATE = "missing_state"
    MISSING_CODE = "missing_code"
    STATE_MISMATCH = "state_mismatch"
    TOO_LONG = "too_long"


class CodeError(ClawError):
    """The text given as CODE#STATE cannot be the code; the message says what to ask for.

    Never carries the code: neither the message nor the attributes contain it.
    """

    def __init__(self, message: str, *, problem: CodeProblem) -> None:
        self.problem = problem
        super().__init__(message)


# Whitespace anywhere (a copy across a wrapped line), including the invisible characters a
# browser or chat app adds when text is copied.
_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_QUOTES = "'\"`‘’‚‛“”„‟«»‹›"
_VERIFICATION_CODE = re.compile(r"\d{6}")
#: The longest CODE#STATE taken. Real ones are far shorter; anything this long is not a
#: code (a whole page, a log, a paste gone wrong) and must not be typed into claude.
MAX_CODE_LENGTH = 512
# A callback address carries more than the code; longer than this it is not one either.
_MAX_CALLBACK_URL_LENGTH = 4 * MAX_CODE_LENGTH


def normalize_code(text: str, *, expected_state: str | None = None) -> Code:
    """Clean up what the customer pasted or read out into a `Code`, or raise `CodeError`.

    Removes whitespace and line breaks anywhere and quotes around it; accepts the callback URL
    (`…/oauth/code/callback?code=…&state=…`, any host) as well as `CODE#STATE`. When
    `expected_state` is given (the state of the sign-in URL this box shows), a code minted for
    another link is refused.
    """
    cleaned = _INVISIBLE.sub("", text).strip(_QUOTES)
    if not cleaned:
        raise CodeError(
            "No code was entered. Ask the customer for the code the sign-in page shows after "
            "they authorize: a long code with a # in the middle (CODE#STATE).",
            problem=CodeProblem.EMPTY,
        )
    if cleaned.lower().startswith(("http://", "https://")):
        if len(cleaned) > _MAX_CALLBACK_URL_LENGTH:
            raise _too_long(len(cleaned), _MAX_CALLBACK_URL_LENGTH)
        code, state = _code_from_callback_url(cleaned)
    else:
        code, state = _split_code(cleaned)
    if expected_state is not None and state != expected_state:
        raise CodeError(
            f"This code belongs to a different sign-in link (its state starts {state[:6]!r}, "
            f"this box's current link has {expected_state[:6]!r}): it comes from another box's "
            "link or an older link. Ask the customer to open the current link again, sign in, "
            "and read back the new code.",
            problem=CodeProblem.STATE_MISMATCH,
        )
    return Code(code, state)


def _too_long(length: int, limit: int) -> CodeError:
    return CodeError(
        f"That is {length} characters long; a sign-in code (CODE#STATE) is at most {limit}. "
        "Something else was pasted with it or instead of it, so nothing "
        "was sent. Ask the customer to copy just the code from the sign-in page.",
        problem=CodeProblem.TOO_LONG,
    )


def _split_code(cleaned: str) -> tuple[str, str]:
    if len(cleaned) > MAX_CODE_LENGTH:
        raise _too_long(len(cleaned), MAX_CODE_LENGTH)
    if _VERIFICATION_CODE.fullmatch(cleaned):
        raise CodeError(
            "That is a 6-digit verification code: it goes in the customer's browser, on the page "
            "that asks for it, not here. Ask them to enter it there and then read back the long "
            "code the page shows next (CODE#STATE, with a # in the middle).",
            problem=CodeProblem.VERIFICATION_CODE,
        )
    hashes = cleaned.count("#")
    if hashes > 1:
        raise CodeError(
            "The text holds more than one #, as if two codes were pasted together. Ask the "
            "customer to copy the code once more, exactly once, from the sign-in page.",
            problem=CodeProblem.TWO_CODES,
        )
    code, _, state = cleaned.partition("#")
    for part in (code, state):
        if part and not SECRET_ALPHABET.fullmatch(part):
            raise CodeError(
                "The text has characters a sign-in code never contains (a code is letters, "
                "digits, - and _ with one # in the middle). Ask the customer to copy the code "
                "again, exactly as the sign-in page shows it, using the page's copy button "
                "if there is one.",
                problem=CodeProblem.BAD_CHARACTERS,
            )
    if not state:
        raise CodeError(
            "The part after the # is missing. Ask the customer for the whole code, including "
            "the # and everything after it: it is one long line, CODE#STATE.",
            problem=CodeProblem.MISSING_STATE,
        )
    if not code:
        raise CodeError(
            "The part before the # is missing. Ask the customer for the whole code from the "
            "start: it is one long line, CODE#STATE.",
            problem=CodeProblem.MISSING_CODE,
        )
    return code, state


def _code_from_callback_url(url: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(url).query)
    code = (query.get("code") or [""])[-1]
    state = (query.get("state") or [""])[-1]
    if not code:
        raise CodeError(
            "That is a web address without a code in it. Ask the customer for the code the "
            "sign-in page shows (CODE#STATE), or for the full address of that page.",
            problem=CodeProblem.MISSING_CODE,
        )
    if not state:
        raise CodeError(
            "That address has the code but not its state part. Ask the customer to copy the "
            "whole address of the page again, or the code it shows (CODE#STATE).",
            problem=CodeProblem.MISSING_STATE,
        )
    return _split_code(f"{code}#{state}")


# --------------------------------------------------------------------------------------------
# The token
# --------------------------------------------------------------------------------------------

#: Newer OpenClaw refuses setup-tokens shorter than this ("Token looks too short").
OPENCLAW_MIN_TOKEN_LENGTH = 90

_TOKEN_HEADING = re.compile(r"Your OAuth token")
_STORE_LINE = re.compile(r"Store this token securely")
_EXPORT = "CLAUDE_CODE_OAUTH_TOKEN="


class TokenParseError(ClawError):
    """The token on screen cannot be trusted as read; never carries the token."""


@dataclass(frozen=True)
class TokenCapture:
    token: Token
    warnings: tuple[str, ...] = ()


def _token_block(lines: tuple[str, ...], first: int) -> int:
    """Index of the last line of the token block starting at `first` (first - 1 if none)."""
    end = first - 1
    while end + 1 < len(lines):
        piece = lines[end + 1].strip()
        if not piece or not SECRET_ALPHABET.fullmatch(piece):
            break
        end += 1
    return end


def find_token(screen: ScreenText) -> TokenCapture | None:
    """The token printed after `Your OAuth token`, de-wrapped, or None while it may grow.

    claude hard-wraps the token at width - 1 with one leading space per line (scrollback counts:
    at 60x20 its top has scrolled off). It is complete when the cursor is not on it (see
    `_written`), a blank line or the `Store this token securely` line follows, and the cursor
    is not waiting at the start of the next row under a last line that fills the width. Raises
    `TokenParseError` when what is there contradicts itself (never with the token in it).
    """
    return _find_token(screen, screen.text)


def _find_token(screen: ScreenText, text: str) -> TokenCapture | None:
    heading = _last_match(_TOKEN_HEADING, text)
    if heading is None:
        return None
    lines = screen.lines
    first = _row_of(text, heading.start()) + 1
    while first < len(lines) and not lines[first].strip():
        first += 1
    last = _token_block(lines, first)
    if last < first or last + 1 >= len(lines) or not _written(screen, first, last):
        return None
    following = lines[last + 1]
    if following.strip() and not _STORE_LINE.search(following):
        return None  # something else is being drawn right under it: wait
    if _may_continue(screen, last):
        return None
    value = "".join(line.strip() for line in lines[first : last + 1])
    if not value.startswith(TOKEN_PREFIX):
        raise TokenParseError(
            "claude setup-token printed something after 'Your OAuth token' that does not start "
            f"with {TOKEN_PREFIX}, so clawtui will not store it. Look at the terminal pane: if a "
            "token is shown, copy it by hand; otherwise run setup-token again."
        )
    if not _export_agrees(screen, last, value):
        return None
    warnings: list[str] = []
    if len(value) < OPENCLAW_MIN_TOKEN_LENGTH:
        warnings.append(
            f"The token is {len(value)} characters long. Newer OpenClaw versions insist on at "
            f"least {OPENCLAW_MIN_TOKEN_LENGTH} and refuse it as 'too short'; if paste-token "
            "refuses it, check that the whole token was captured from the pane."
        )
    return TokenCapture(token=Token(value), warnings=tuple(warnings))


def _export_agrees(screen: ScreenText, token_last: int, value: str) -> bool:
    """Cross-check with `export CLAUDE_CODE_OAUTH_TOKEN=…` when it shows a real token.

    True: agrees or nothing to check (the recordings show the literal `<token>`). False: it is
    still being drawn. Raises `TokenParseError` on a real mismatch.
    """
    lines = screen.lines
    for row in range(token_last + 1, min(len(lines), token_last + 12)):
        position = lines[row].find(_EXPORT)
        if position < 0:
            continue
        if not _written(screen, row, row):
            return False  # the value may still be arriving
        head = lines[row][position + len(_EXPORT) :].strip().strip(_QUOTES)
        if not head or not SECRET_ALPHABET.fullmatch(head):
            return True  # `<token>` or nothing: no cross-check possible
        # Its wrapping is unknown: continue only under a line that fills the width.
        end = row
        while (
            end + 1 < len(lines)
            and len(lines[end]) >= screen.columns
            and SECRET_ALPHABET.fullmatch(lines[end + 1].strip())
        ):
            end += 1
        shown = head + "".join(line.strip() for line in lines[row + 1 : end + 1])
        if not _written(screen, row, end) or _may_continue(screen, end):
            return False  # still being written (over stale text, perhaps): look again later
        if shown == value:
            return True
        raise TokenParseError(
            "claude setup-token showed two different tokens (the token block and the "
            "`export CLAUDE_CODE_OAUTH_TOKEN=` line), so clawtui cannot tell which one is right "
            "and stored neither. Compare them in the terminal pane and copy the right one by "
            "hand, or run setup-token again."
        )
    return True


# --------------------------------------------------------------------------------------------
# Everything `claude setup-token` shows
# --------------------------------------------------------------------------------------------


class SetupTokenErrorKind(StrEnum):
    """What went wrong, as far as the operator's next step is concerned."""

    MISSING_STATE = "missing_state"  # the code was sent without its #STATE
    VERIFICATION_CODE = "verification_code"  # a 6-digit browser code was sent
    CODE_REFUSED = "code_refused"  # the sign-in service refused the code
    SERVICE_UNREACHABLE = "service_unreachable"  # no answer from the sign-in service
    OTHER = "other"


@dataclass(frozen=True)
class SetupTokenError:
    """An error the program shows: what kind, and its own words (one entry per screen line)."""

    kind: SetupTokenErrorKind
    lines: tuple[str, ...]

    @property
    def message(self) -> str:
        return " ".join(self.lines)


@dataclass(frozen=True)
class SetupTokenStatus:
    """What `claude setup-token` shows now."""

    version: str | None = None
    url: SignInUrl | None = None
    #: Hosts of sign-in links on screen that lead away from Anthropic: never to be offered.
    foreign_hosts: tuple[str, ...] = ()
    prompt_ready: bool = False
    error: SetupTokenError | None = None
    retry_offered: bool = False
    retrying: bool = False
    success: bool = False
    token: TokenCapture | None = None
    no_pty: bool = False
    #: What the prompt's input field shows (2.1.332 masks all but the last 6 characters of a
    #: paste); None when no prompt is shown. Lets the flow see its paste arrive before Enter.
    prompt_input: str | None = None


_VERSION = re.compile(r"Welcome to Claude Code v(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)")
_SUCCESS = re.compile(r"Long-lived authentication token created")
_NO_PTY = re.compile(r"Raw mode is not supported")
_RETRY_OFFERED = re.compile(r"Press Enter to retry")
_RETRYING = re.compile(r"^\W*Retrying\b")
# 2.1.197: " Paste code here if prompted > typed"; 2.1.332: the line, then a ╭─╮ │ │ ╰─╯ box.
_PROMPT_INLINE = re.compile(r"Paste code here if prompted >(.*)$")
_PROMPT_BOXED = re.compile(r"Paste code here if prompted\s*$")
_ERROR_START = re.compile(r"^\s*(?:✘|✗|×)\s|OAuth error:")
_ERROR_KINDS: tuple[tuple[re.Pattern[str], SetupTokenErrorKind], ...] = (
    (re.compile(r"verification code", re.I), SetupTokenErrorKind.VERIFICATION_CODE),
    # 2.1.332 "doesn't look like the full code"; 2.1.197 "make sure the full code was copied"
    (re.compile(r"the full code", re.I), SetupTokenErrorKind.MISSING_STATE),
    (
        re.compile(
            r"EAI_AGAIN|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|ENETUNREACH|EHOSTUNREACH"
            r"|getaddrinfo|couldn't get an answer|socket hang up",
            re.I,
        ),
        SetupTokenErrorKind.SERVICE_UNREACHABLE,
    ),
    (
        re.compile(r"status code 400|wasn't accepted|was not accepted|invalid_grant", re.I),
        SetupTokenErrorKind.CODE_REFUSED,
    ),
)


def _classify(message: str) -> SetupTokenErrorKind:
    for pattern, kind in _ERROR_KINDS:
        if pattern.search(message):
            return kind
    return SetupTokenErrorKind.OTHER


def _read_error(screen: ScreenText) -> SetupTokenError | None:
    """The newest error block on the visible screen, once fully drawn."""
    visible = screen.screen
    cursor_y = screen.cursor[1]
    start = None
    for row in range(len(visible) - 1, -1, -1):
        if _ERROR_START.search(visible[row]):
            start = row
            break
    if start is None:
        return None
    # The block goes on over non-blank lines, but not onto the cursor's row from above (what
    # is there is being written, or left from the frame before).
    limit = cursor_y if start < cursor_y else len(visible)
    end = start
    while (
        end + 1 < limit and visible[end + 1].strip() and not _RETRY_OFFERED.search(visible[end + 1])
    ):
        end += 1
    first_row, last_row = screen.screen_start + start, screen.screen_start + end
    if not _written(screen, first_row, last_row):
        return None
    # Right under it a continuation line may still come, unless the last line ends a sentence.
    if _cursor_row(screen) == last_row + 1 and not visible[end].endswith((".", "!", "?", ")")):
        return None
    texts = [visible[start].strip().lstrip("✘✗×").strip()]
    texts += [line.strip() for line in visible[start + 1 : end + 1]]
    # Typographic apostrophes would defeat the patterns above.
    message = " ".join(texts).replace("’", "'")
    return SetupTokenError(kind=_classify(message), lines=tuple(texts))


def _read_prompt(screen: ScreenText) -> str | None:
    """The input shown in the code prompt, "" when empty; None when no prompt is shown.

    A long input wraps: 2.1.197 continues it on the rows below its `>` line, 2.1.332 grows its
    box by one `│ … │` row per line. Both are joined, so the end of a paste can be checked.
    """
    visible = screen.screen
    for row in range(len(visible) - 1, -1, -1):
        line = visible[row]
        inline = _PROMPT_INLINE.search(line)
        if inline:
            parts = [inline.group(1).strip()]
            for below in visible[row + 1 :]:
                if not below.strip():
                    break
                parts.append(below.strip())
            return "".join(parts)
        if _PROMPT_BOXED.search(line):
            box = [candidate.strip() for candidate in visible[row + 1 :]]
            if not box or not box[0].startswith("╭"):
                return None
            inside: list[str] = []
            for candidate in box[1:]:
                if candidate.startswith("╰"):
                    return "".join(inside)
                if not candidate.startswith("│"):
                    return None
                inside.append(candidate.strip("│").strip())
            return None  # the box is still being drawn
    return None


def read_setup_token(
    screen: ScreenText, *, test_signin_base: str | None = None
) -> SetupTokenStatus:
    """Everything the flow needs to know about the `claude setup-token` pane right now.

    Prompts, errors and retry offers come from the visible screen (Ink redraws them in place);
    the version, success and token come from scrollback and screen (at 60x20 the top of the
    success output scrolls off). One ScreenText should cover one run of the program. Raises
    `TokenParseError` as `find_token` does. `test_signin_base` is the box's inventory setting
    (see `is_authorize_url`).
    """
    text = screen.text
    cursor_row = _cursor_row(screen)
    # A version on the cursor's row may still be growing ("v2.1.3" of "v2.1.332").
    versions = [m for m in _VERSION.finditer(text) if _row_of(text, m.start()) != cursor_row]
    version = versions[-1] if versions else None
    visible_text = "\n".join(screen.screen)
    prompt_input = _read_prompt(screen)
    links = _find_links(screen, text, test_signin_base)
    return SetupTokenStatus(
        version=version.group(1) if version else None,
        url=links.url,
        foreign_hosts=links.foreign_hosts,
        prompt_ready=prompt_input is not None,
        error=_read_error(screen),
        retry_offered=bool(_RETRY_OFFERED.search(visible_text)),
        retrying=any(_RETRYING.search(line) for line in screen.screen),
        success=bool(_SUCCESS.search(text)),
        token=_find_token(screen, text),
        no_pty=bool(_NO_PTY.search(text)),
        prompt_input=prompt_input,
    )
