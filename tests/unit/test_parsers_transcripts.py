"""The parsers on the recorded byte streams of the real programs (tests/data, both generations).

Every transcript is replayed through the real terminal model (pyte underneath), resizes
included, and the readers run after every chunk, as the flow will run them. What they report is
checked against oracles taken independently of the parsers: OSC 8 targets and URLs found in the
raw bytes, and the token as the recorder's own final screen shows it. A second pass re-cuts the
same bytes one byte at a time and in small random chunks (an SSH link splits them anywhere)
and checks that nothing half-drawn is ever reported.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest

from clawtui.oauth import SetupTokenErrorKind, find_sign_in_url, read_setup_token
from clawtui.openclaw import Validation, read_paste_token
from clawtui.snapshot import ScreenText
from clawtui.terminal import TerminalModel
from tests.replay import Transcript, all_transcripts

CLAUDE = all_transcripts("claude")
OPENCLAW = all_transcripts("openclaw")

Kind = SetupTokenErrorKind


@dataclass(frozen=True)
class ClaudeExpect:
    errors: frozenset[SetupTokenErrorKind] = frozenset()
    retry_offered: bool = False
    retrying: bool = False
    token: bool = False


CLAUDE_EXPECT: dict[str, ClaudeExpect] = {
    "claude-setup-token-120x40-FAKESERVER-200": ClaudeExpect(token=True),
    "claude-setup-token-120x40-startup-ctrlc": ClaudeExpect(),
    "claude-setup-token-80x24-FAKESERVER-200": ClaudeExpect(token=True),
    "claude-setup-token-80x24-FAKESERVER-400": ClaudeExpect(
        frozenset({Kind.CODE_REFUSED}), retry_offered=True, retrying=True
    ),
    "claude-setup-token-80x24-FULL_SIGN_IN_LINK": ClaudeExpect(),
    "claude-setup-token-80x24-emptyenter": ClaudeExpect(),
    "claude-setup-token-80x24-nohash": ClaudeExpect(frozenset({Kind.MISSING_STATE})),
    # The recorder's box had no network: the code never reached the service.
    "claude-setup-token-80x24-paste-wrongcode": ClaudeExpect(
        frozenset({Kind.SERVICE_UNREACHABLE}), retry_offered=True
    ),
    "claude-setup-token-80x24-query-replies": ClaudeExpect(),
    "claude-setup-token-80x24-resize-to-60x20": ClaudeExpect(),
    "claude-setup-token-80x24-startup-ctrlc": ClaudeExpect(),
    "claude-setup-token-80x24-verifcode": ClaudeExpect(frozenset({Kind.VERIFICATION_CODE})),
    "claude2.1.197-setup-token-120x40-paste-wrongcode": ClaudeExpect(
        frozenset({Kind.SERVICE_UNREACHABLE}), retry_offered=True, retrying=True
    ),
    "claude2.1.197-setup-token-80x24-FAKESERVER-200": ClaudeExpect(token=True),
    "claude2.1.197-setup-token-80x24-FAKESERVER-400": ClaudeExpect(
        frozenset({Kind.CODE_REFUSED}), retry_offered=True
    ),
    "claude2.1.197-setup-token-80x24-nohash": ClaudeExpect(
        frozenset({Kind.MISSING_STATE}), retry_offered=True
    ),
    "claude2.1.197-setup-token-80x24-paste-wrongcode": ClaudeExpect(
        frozenset({Kind.SERVICE_UNREACHABLE}), retry_offered=True, retrying=True
    ),
}


@dataclass(frozen=True)
class OpenClawExpect:
    validations: frozenset[Validation] = frozenset()
    success: bool = False
    cancelled: bool = False


OPENCLAW_EXPECT: dict[str, OpenClawExpect] = {
    "openclaw-paste-token-120x40-bracketed": OpenClawExpect(success=True),
    "openclaw-paste-token-80x24-badtoken": OpenClawExpect(
        frozenset({Validation.BAD_PREFIX}), cancelled=True
    ),
    "openclaw-paste-token-80x24-bracketed": OpenClawExpect(success=True),
    "openclaw-paste-token-80x24-empty-enter": OpenClawExpect(
        frozenset({Validation.REQUIRED}), cancelled=True
    ),
    # A paste ending in a newline clears the field: the Enter after it finds it empty.
    "openclaw-paste-token-80x24-nl": OpenClawExpect(
        frozenset({Validation.REQUIRED}), cancelled=True
    ),
    "openclaw-paste-token-80x24-short": OpenClawExpect(
        frozenset({Validation.TOO_SHORT}), cancelled=True
    ),
    "openclaw-paste-token-80x24-typed": OpenClawExpect(success=True),
}


def test_every_transcript_has_an_expectation() -> None:
    assert {t.name for t in CLAUDE} == set(CLAUDE_EXPECT)
    assert {t.name for t in OPENCLAW} == set(OPENCLAW_EXPECT)


# ------------------------------------------------------------------------------- replaying

Splitter = Callable[[bytes], list[bytes]]


def replay(
    transcript: Transcript, split: Splitter | None = None
) -> Iterator[tuple[int, ScreenText]]:
    """(output bytes fed so far, snapshot) after every chunk and every resize."""
    model = TerminalModel(transcript.cols, transcript.rows)
    fed = 0
    for step in transcript.steps:
        if step.kind == "resize":
            assert step.size is not None
            model.resize(*step.size)
            yield fed, model.snapshot()
        elif step.kind == "out":
            for piece in split(step.data) if split else [step.data]:
                model.feed(piece)
                fed += len(piece)
                yield fed, model.snapshot()


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def random_splitter(seed: str) -> Splitter:
    rng = random.Random(seed)

    def split(data: bytes) -> list[bytes]:
        pieces = []
        while data:
            size = rng.randint(1, 24)
            pieces.append(data[:size])
            data = data[size:]
        return pieces

    return split


# ----------------------------------------------------------------------- oracles from bytes

_OSC8 = re.compile(rb"\x1b\]8;[^;\x07\x1b]*;([^\x07\x1b]+)(?:\x07|\x1b\\)")
_ESCAPES = re.compile(
    rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)
# Every recorded state and short-form key is 43 base64url characters (32 random bytes).
_WHOLE_URL = re.compile(
    rb"https?://[!-~]+?/oauth/authorize\?(?:I[A-Za-z0-9_-]{43}|[!-~]*?state=[A-Za-z0-9_-]{43})"
)


def osc8_targets(transcript: Transcript) -> list[tuple[int, str]]:
    """(offset where the link opens, target) for every OSC 8 sign-in link in the raw bytes."""
    return [
        (match.end(), match.group(1).decode())
        for match in _OSC8.finditer(transcript.output)
        if b"/oauth/authorize?" in match.group(1)
    ]


def whole_urls(transcript: Transcript) -> list[str]:
    """Every complete sign-in URL in the stream, in order: OSC 8 targets, and the text with
    escape sequences and the hard wraps (\\r\\r\\n) taken out."""
    urls = [url for _, url in osc8_targets(transcript)]
    plain = _ESCAPES.sub(b"", transcript.output).replace(b"\r\r\n", b"")
    urls += [match.group().decode() for match in _WHOLE_URL.finditer(plain)]
    return list(dict.fromkeys(urls))


def token_on_final_screen(transcript: Transcript) -> str:
    """The token as the recorder's own emulator showed it at the end, de-wrapped by hand."""
    lines = transcript.final_screen
    start = next(i for i, line in enumerate(lines) if "Your OAuth token" in line) + 1
    while not lines[start].strip():
        start += 1
    end = start
    while lines[end].strip():
        end += 1
    return "".join(line.strip() for line in lines[start:end])


# ------------------------------------------------------------------------- claude setup-token


@dataclass
class ClaudeSeen:
    urls: list[str] = field(default_factory=list)
    text_urls: list[str] = field(default_factory=list)
    errors: set[SetupTokenErrorKind] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    prompt_ready: bool = False
    retry_offered: bool = False
    retrying: bool = False
    success: bool = False
    version: str | None = None


def watch_setup_token(transcript: Transcript, split: Splitter | None = None) -> ClaudeSeen:
    """Replay, read after every chunk, and check what must hold at every single moment."""
    expect = CLAUDE_EXPECT[transcript.name]
    links = osc8_targets(transcript)
    whole = set(whole_urls(transcript))
    token = token_on_final_screen(transcript) if expect.token else None
    seen = ClaudeSeen()
    for fed, screen in replay(transcript, split):
        status = read_setup_token(screen)
        assert not status.no_pty
        if status.url is not None:
            url = status.url.url
            assert url in whole, f"partial or wrong URL reported after {fed} bytes: {url}"
            query = parse_qs(urlsplit(url).query)
            assert status.url.state == (query["state"][0] if "state" in query else None)
            if status.url.source == "osc8":
                assert url == [target for end, target in links if end <= fed][-1]
            if not seen.urls or seen.urls[-1] != url:
                seen.urls.append(url)
        # The text path alone (as for 2.1.197) must agree whenever it answers.
        text_only = find_sign_in_url(dataclasses.replace(screen, links=()))
        if text_only is not None:
            assert text_only.url in whole, f"partial URL from text after {fed} bytes"
            if links:
                assert text_only.url == [target for end, target in links if end <= fed][-1]
            if not seen.text_urls or seen.text_urls[-1] != text_only.url:
                seen.text_urls.append(text_only.url)
        if status.error is not None:
            assert status.error.kind in expect.errors, (fed, status.error)
            seen.errors.add(status.error.kind)
        if status.token is not None:
            assert status.token.token.reveal() == token, f"wrong token after {fed} bytes"
            assert status.success
            seen.tokens.add(status.token.token.reveal())
        assert not status.success or expect.token
        seen.prompt_ready |= status.prompt_ready
        seen.retry_offered |= status.retry_offered
        seen.retrying |= status.retrying
        seen.success |= status.success
        seen.version = status.version or seen.version
    return seen


def check_claude_outcome(transcript: Transcript, seen: ClaudeSeen) -> None:
    expect = CLAUDE_EXPECT[transcript.name]
    assert seen.version == transcript.generation
    assert seen.prompt_ready
    # Every sign-in URL the program showed was reported, the newest last.
    assert list(dict.fromkeys(seen.urls)) == whole_urls(transcript)
    assert seen.text_urls, "the joined lines alone must give the URL too"
    assert seen.errors == expect.errors
    assert seen.retry_offered == expect.retry_offered
    assert seen.retrying == expect.retrying
    assert seen.success == expect.token
    assert seen.tokens == ({token_on_final_screen(transcript)} if expect.token else set())


@pytest.mark.parametrize("transcript", CLAUDE, ids=lambda t: t.name)
def test_setup_token_transcript(transcript: Transcript) -> None:
    seen = watch_setup_token(transcript)
    check_claude_outcome(transcript, seen)


def test_final_screen_url_matches_the_recorder() -> None:
    """Where the program ended on the sign-in frame, the URL is what the recorder's screen
    shows joined (2.1.197's retry even shows a new state: the newest one is reported)."""
    checked = 0
    for transcript in CLAUDE:
        lines = transcript.final_screen
        lead = [i for i, line in enumerate(lines) if "below to sign in" in line]
        if not lead:
            continue
        start = next(i for i in range(lead[-1] + 1, len(lines)) if lines[i].startswith("http"))
        end = start
        while lines[end].strip():
            end += 1
        shown = "".join(lines[start:end])
        *_, screen = (snapshot for _, snapshot in replay(transcript))
        found = read_setup_token(screen).url
        assert found is not None and found.url == shown, transcript.name
        checked += 1
    assert checked >= 10


def test_joined_lines_give_the_url_at_every_width_of_the_resize() -> None:
    """80 columns, shrunk to 60x20 (pyte first truncates, then the program redraws), then
    120x40: from the text alone, the URL is found at each width and is never the cut one."""
    transcript = next(t for t in CLAUDE if t.name == "claude-setup-token-80x24-resize-to-60x20")
    target = whole_urls(transcript)[-1]
    widths = set()
    for _, screen in replay(transcript):
        found = find_sign_in_url(dataclasses.replace(screen, links=()))
        if found is not None:
            assert found.url == target
            widths.add(screen.columns)
    assert widths == {60, 80, 120}


def test_197_retry_shows_a_new_state_and_the_newest_wins() -> None:
    transcript = next(
        t for t in CLAUDE if t.name == "claude2.1.197-setup-token-80x24-paste-wrongcode"
    )
    seen = watch_setup_token(transcript)
    states = [parse_qs(urlsplit(url).query)["state"][0] for url in seen.urls]
    assert len(set(states)) == 2
    assert seen.urls[-1] == whole_urls(transcript)[-1]


@pytest.mark.parametrize("cut", ["bytewise", "random"])
@pytest.mark.parametrize("transcript", CLAUDE, ids=lambda t: t.name)
def test_setup_token_transcript_cut_anywhere(transcript: Transcript, cut: str) -> None:
    split = bytewise if cut == "bytewise" else random_splitter(transcript.name)
    check_claude_outcome(transcript, watch_setup_token(transcript, split))


# ------------------------------------------------------------------------ openclaw paste-token


@dataclass
class OpenClawSeen:
    validations: set[Validation] = field(default_factory=set)
    prompt_ready: bool = False
    success: bool = False
    cancelled: bool = False
    gateway_warning: bool = False
    submitted: bool = False
    profile: str | None = None
    version: str | None = None


def watch_paste_token(transcript: Transcript, split: Splitter | None = None) -> OpenClawSeen:
    expect = OPENCLAW_EXPECT[transcript.name]
    seen = OpenClawSeen()
    for fed, screen in replay(transcript, split):
        status = read_paste_token(screen)
        if status.validation is not None:
            assert status.validation in expect.validations, (fed, status.validation_message)
            assert status.prompt_ready
            seen.validations.add(status.validation)
        assert not (status.success and status.cancelled)
        assert not (status.prompt_ready and (status.success or status.cancelled))
        assert not status.success or expect.success, f"success reported after {fed} bytes"
        assert not status.cancelled or expect.cancelled
        if status.profile is not None:
            assert status.profile == "anthropic:manual"
        seen.prompt_ready |= status.prompt_ready
        seen.success |= status.success
        seen.cancelled |= status.cancelled
        seen.gateway_warning |= status.gateway_warning
        seen.submitted |= status.submitted
        seen.profile = status.profile or seen.profile
        seen.version = status.version or seen.version
    return seen


def check_openclaw_outcome(transcript: Transcript, seen: OpenClawSeen) -> None:
    expect = OPENCLAW_EXPECT[transcript.name]
    assert seen.version == "2026.9.6"
    assert seen.prompt_ready
    assert seen.validations == expect.validations
    assert seen.success == expect.success
    assert seen.cancelled == expect.cancelled
    assert seen.gateway_warning == expect.success  # every recorded success warned
    assert seen.submitted == expect.success
    assert seen.profile == ("anthropic:manual" if expect.success else None)


@pytest.mark.parametrize("transcript", OPENCLAW, ids=lambda t: t.name)
def test_paste_token_transcript(transcript: Transcript) -> None:
    check_openclaw_outcome(transcript, watch_paste_token(transcript))


@pytest.mark.parametrize("cut", ["bytewise", "random"])
@pytest.mark.parametrize("transcript", OPENCLAW, ids=lambda t: t.name)
def test_paste_token_transcript_cut_anywhere(transcript: Transcript, cut: str) -> None:
    split = bytewise if cut == "bytewise" else random_splitter(transcript.name)
    check_openclaw_outcome(transcript, watch_paste_token(transcript, split))
