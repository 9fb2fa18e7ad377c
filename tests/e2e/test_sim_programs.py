"""The simulated `claude`, `openclaw`, `node`, `npm` and `free`, driven like an operator would.

Every program runs as a real child process on a real PTY (the slave is its controlling
terminal, so resizes deliver SIGWINCH and closing the master hangs it up), reads its settings
from a temporary HOME, and is watched through a real pyte screen. The customer's side is the
real loopback sign-in page, fetched over HTTP. Nothing is mocked. Waits poll a condition with a
timeout; the simulators run with a small time scale so the suite stays fast.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import fcntl
import html
import json
import os
import re
import secrets
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
import urllib.request
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pyte
import pytest

from clawtui.sim._term import InputDecoder, Key, styled_words, wrap_words
from clawtui.sim.config import SimConfig, delays_log
from clawtui.sim.openclaw import input_lines
from clawtui.sim.signin import SignInPage
from tests import conftest, replay

REPO = Path(__file__).resolve().parent.parent.parent
SCALE = 0.02
TIMEOUT = 15.0
TOKEN_RE = re.compile(r"sk-ant-oat01-[A-Za-z0-9_-]+")

# --- a program on a real PTY -------------------------------------------------------------------

_OSC = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_OSC8 = re.compile(r"\x1b\]8;[^;\x07]*;([^\x07\x1b]*)(?:\x07|\x1b\\)")
_OSC52 = re.compile(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")
# forms pyte 0.8.2 mishandles (FLOW.md): kitty keyboard, XTVERSION, modifyOtherKeys
_PRIVATE_CSI = re.compile(r"\x1b\[[<>=][0-9;]*[A-Za-z]|\x1b\[\?[0-9;]*u")
_CSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]")
_INCOMPLETE_TAIL = re.compile(r"\x1b(?:\][^\x07]*|\[[0-9;?<>=]*|)$")


def _printed_text(raw: bytes | bytearray) -> str:
    """The text in a program's output, without its control sequences."""
    return _CSI.sub("", raw.decode("utf-8", "replace"))


async def wait_for(
    predicate: Callable[[], object], timeout: float = TIMEOUT, what: str = ""
) -> None:
    """`conftest.wait_for` with this file's longer timeout: these programs are child processes."""
    await conftest.wait_for(predicate, timeout, what or str(predicate))


class PtyProgram:
    """A child process whose stdin/stdout/stderr is the slave side of a fresh PTY."""

    def __init__(
        self,
        module: str,
        args: list[str],
        *,
        home: Path,
        columns: int = 80,
        rows: int = 24,
        env: dict[str, str] | None = None,
    ) -> None:
        self.columns, self.rows = columns, rows
        self.raw = bytearray()
        self.screen = pyte.HistoryScreen(columns, rows, history=2000)
        self.stream = pyte.Stream(self.screen)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._held = ""
        self.eof = False
        master, slave = os.openpty()
        self.master = master
        self._set_size(columns, rows, fd=slave)
        environment = {
            "HOME": str(home),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(REPO),
        }
        environment.update(env or {})
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
            cwd=str(home),
            start_new_session=True,
            preexec_fn=_take_controlling_tty,
        )
        os.close(slave)
        os.set_blocking(master, False)
        asyncio.get_running_loop().add_reader(master, self._on_output)

    def _set_size(self, columns: int, rows: int, fd: int | None = None) -> None:
        fcntl.ioctl(
            self.master if fd is None else fd,
            termios.TIOCSWINSZ,
            struct.pack("HHHH", rows, columns, 0, 0),
        )

    def _on_output(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.eof = True
            asyncio.get_running_loop().remove_reader(self.master)
            return
        self.raw += data
        text = self._held + self._decoder.decode(data)
        tail = _INCOMPLETE_TAIL.search(text)
        self._held = text[tail.start() :] if tail else ""
        text = text[: tail.start()] if tail else text
        self.stream.feed(_PRIVATE_CSI.sub("", _OSC.sub("", text)))

    # what the operator sees
    def display(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    def text_lines(self) -> list[str]:
        """Scrollback, then the screen."""
        history = [
            "".join(line[x].data for x in range(self.columns)).rstrip()
            for line in self.screen.history.top
        ]
        return history + self.display()

    def shows(self, needle: str) -> bool:
        return any(needle in line for line in self.display())

    @property
    def raw_text(self) -> str:
        return self.raw.decode("utf-8", "replace")

    def links(self) -> list[str]:
        return [target for target in _OSC8.findall(self.raw_text) if target]

    def send(self, data: bytes | str) -> None:
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def paste(self, text: str) -> None:
        self.send(b"\x1b[200~" + text.encode() + b"\x1b[201~")

    def resize(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.screen.resize(rows, columns)
        self._set_size(columns, rows)

    async def wait_shows(self, needle: str, timeout: float = TIMEOUT) -> None:
        await wait_for(lambda: self.shows(needle), timeout, f"{needle!r} on\n" + self.dump())

    async def wait_exit(self, timeout: float = TIMEOUT) -> int:
        await wait_for(lambda: self.process.poll() is not None, timeout, "exit\n" + self.dump())
        # the rest of the output is still in the PTY: read until EOF
        await wait_for(lambda: self.eof, timeout, "EOF")
        return self.process.returncode

    def dump(self) -> str:
        return "\n".join(self.display())

    def hang_up(self) -> None:
        """Close the master side, as a dropped SSH channel does: the program gets SIGHUP."""
        if self.master >= 0:
            asyncio.get_running_loop().remove_reader(self.master)
            os.close(self.master)
            self.master = -1

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self.hang_up()


def _take_controlling_tty() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.fixture
async def signin() -> AsyncIterator[SignInPage]:
    page = SignInPage(secret=secrets.token_hex(16))
    await page.start()
    yield page
    await page.stop()


@pytest.fixture
async def programs() -> AsyncIterator[list[PtyProgram]]:
    started: list[PtyProgram] = []
    yield started
    for program in started:
        program.close()


def make_home(tmp_path: Path, page: SignInPage | None = None, **settings: object) -> Path:
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {"box": "test-box", "time_scale": SCALE}
    if page is not None:
        config.update(signin_base=page.base_url, secret=page.secret)
    config.update(settings)
    SimConfig(**config).save(home)  # type: ignore[arg-type]
    return home


def start(
    programs: list[PtyProgram], module: str, args: list[str], home: Path, **options: object
) -> PtyProgram:
    program = PtyProgram(module, args, home=home, **options)  # type: ignore[arg-type]
    programs.append(program)
    return program


def start_claude(programs: list[PtyProgram], home: Path, **options: object) -> PtyProgram:
    return start(programs, "clawtui.sim.claude", ["setup-token"], home, **options)


def start_paste_token(programs: list[PtyProgram], home: Path, **options: object) -> PtyProgram:
    args = ["models", "auth", "paste-token", "--provider", "anthropic"]
    return start(programs, "clawtui.sim.openclaw", args, home, **options)


def run_plain(
    module: str, args: list[str], home: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """A program without a terminal (pipes), as `ssh box cmd` without -t runs it."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={"HOME": str(home), "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)},
        cwd=str(home),
        timeout=TIMEOUT,
    )


# --- reading claude's screen -------------------------------------------------------------------

PROMPT = {"2.1.332": "Paste code here if prompted", "2.1.197": "Paste code here if prompted >"}
LEAD_IN = {"2.1.332": "Use the URL below to sign in", "2.1.197": "Use the url below to sign in"}


def url_lines(lines: list[str], generation: str) -> list[str]:
    """The wrapped URL lines after the newest lead-in, up to the blank line."""
    starts = [i for i, line in enumerate(lines) if LEAD_IN[generation] in line]
    if not starts:
        return []
    index = starts[-1] + 1
    while index < len(lines) and not lines[index].startswith("http"):
        index += 1
    found = []
    while index < len(lines) and lines[index]:
        found.append(lines[index])
        index += 1
    return found


async def wait_prompt(program: PtyProgram, generation: str) -> str:
    """Wait for the code prompt; the URL as the screen shows it (joined)."""
    await program.wait_shows(PROMPT[generation])
    if generation == "2.1.332":
        await program.wait_shows("╰")
    return "".join(url_lines(program.display(), generation))


def state_of(url: str) -> str:
    match = re.search(r"[?&]state=([A-Za-z0-9_-]+)", url) or re.search(
        r"\?I([A-Za-z0-9_-]{43})$", url
    )
    assert match, url
    return match.group(1)


def challenge_of(url: str) -> str | None:
    match = re.search(r"code_challenge=([A-Za-z0-9_-]+)", url)
    return match.group(1) if match else None


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


async def customer_code(url: str) -> str:
    """What the customer copies from the page the URL opens."""
    status, body = await asyncio.to_thread(_get, url)
    assert status == 200, body
    match = re.search(r'<code id="auth-code">([^<]+)</code>', body)
    assert match, body
    return html.unescape(match.group(1))


async def enter_customer_code(program: PtyProgram, url: str) -> None:
    """Paste the code the customer copies from the page `url` opens, then press Enter."""
    program.paste(await customer_code(url))
    program.send("\r")


def input_area(program: PtyProgram, generation: str) -> str:
    """What the code prompt shows as typed: inside the box (2.1.332), after `>` (2.1.197)."""
    lines = program.display()
    if generation == "2.1.332":
        tops = [i for i, line in enumerate(lines) if line.startswith(" ╭")]
        if not tops:
            return ""
        inside = []
        for line in lines[tops[-1] + 1 :]:
            if not line.startswith(" │"):
                break
            inside.append(line[2:-1].strip())
        return "".join(inside)
    prompts = [i for i, line in enumerate(lines) if PROMPT[generation] in line]
    if not prompts:
        return ""
    typed = [lines[prompts[-1]].split(PROMPT[generation], 1)[1].strip()]
    for line in lines[prompts[-1] + 1 :]:
        if not line:
            break
        typed.append(line)
    return "".join(typed)


def recorded(transcript: str, anchor: str) -> str:
    """The line of a real recording that starts with `anchor`, with its line end, as bytes
    the terminal received (`\\r\\r\\n` from claude, `\\r\\n` from openclaw)."""
    output = replay.load(transcript).output.decode()
    end = "\r\n" if transcript.startswith("openclaw") else "\r\r\n"
    for line in output.split(end):
        if anchor in line:
            return line[line.index(anchor) :] + end
    raise AssertionError(f"{anchor!r} is not in {transcript}")


def assert_recorded(program: PtyProgram, transcript: str, *anchors: str) -> None:
    """Each recorded line appears byte for byte in what the simulator wrote."""
    for anchor in anchors:
        line = recorded(transcript, anchor)
        assert line in program.raw_text, f"{line!r} not written as recorded"


def flat(lines: list[str]) -> str:
    """The lines as one text, whatever the wrapping."""
    return " ".join(" ".join(lines).split())


def printed_token(lines: list[str]) -> tuple[str, list[str]]:
    """The token block after `Your OAuth token`: de-wrapped token and the raw lines."""
    start_index = max(i for i, line in enumerate(lines) if "Your OAuth token" in line)
    index = start_index + 1
    while not lines[index]:
        index += 1
    block = []
    while lines[index]:
        block.append(lines[index])
        index += 1
    return "".join(line[1:] for line in block), block


# --- claude: the whole sign-in at three sizes, both generations -------------------------------

SIZES = [(80, 24), (60, 20), (120, 40)]


@pytest.mark.parametrize("generation", ["2.1.332", "2.1.197"])
@pytest.mark.parametrize(("columns", "rows"), SIZES)
async def test_sign_in_end_to_end(
    tmp_path: Path,
    signin: SignInPage,
    programs: list[PtyProgram],
    generation: str,
    columns: int,
    rows: int,
) -> None:
    token_length = {80: 108, 60: 80, 120: 0}[columns]
    home = make_home(tmp_path, signin, generation=generation, token_length=token_length)
    claude = start_claude(programs, home, columns=columns, rows=rows)
    url = await wait_prompt(claude, generation)

    # the URL: hard-wrapped at the terminal's width, one fragment a line
    pieces = url_lines(claude.display(), generation)
    assert all(len(piece) == columns for piece in pieces[:-1])
    assert 0 < len(pieces[-1]) <= columns
    if len(url) > columns:
        assert len(pieces) > 1
    assert url.startswith(signin.base_url + "/")
    if generation == "2.1.332":
        assert re.fullmatch(
            re.escape(signin.base_url) + r"/oauth/authorize\?I[A-Za-z0-9_-]{43}", url
        )
        # every fragment sits in an OSC 8 link whose target is the whole URL
        assert claude.links() and set(claude.links()) == {url}
        assert len(claude.links()) == len(pieces)
    else:
        assert "&state=" in url and "code_challenge_method=S256" in url
        assert claude.links() == []

    welcome = claude.text_lines()[0]
    assert welcome == f"Welcome to Claude Code v{generation}"
    assert any("█████████" in line for line in claude.text_lines()) == (columns >= 120)

    code = await customer_code(url)
    assert code.endswith("#" + state_of(url))
    if generation == "2.1.332":
        claude.paste(code)
    else:
        claude.send("zz")  # a typo, typed, then rubbed out
        await wait_for(lambda: input_area(claude, generation) == "zz", what="typed echo")
        claude.send(b"\x7f\x7f")
        await wait_for(lambda: input_area(claude, generation) == "", what="backspace")
        claude.send(code)  # typed without bracketed paste
    # echo: masked but for the last 6 characters, never the whole code
    masked = "*" * (len(code) - 6) + code[-6:]
    await wait_for(lambda: input_area(claude, generation) == masked, what="masked echo")
    assert code[:-6] not in "".join(claude.display())
    claude.send("\r")

    assert await claude.wait_exit() == 0
    # how it talks to the terminal, like the recordings
    raw = claude.raw_text
    assert "\r\r\n" in raw
    assert "Welcome\x1b[9Gto\x1b[12GClaude\x1b[19GCode" in raw
    assert ("\x1b]11;?\x07\x1b[c" in raw) == (generation == "2.1.332")
    assert "\x1b[>0q" in raw and "\x1b[?2004h" in raw
    if (generation, columns) == ("2.1.332", 80):
        assert_recorded(
            claude,
            "claude-setup-token-80x24-FAKESERVER-200",
            "\x1b[38;5;174mWelcome",
            "\x1b[2G\x1b[1mThis",
            "\x1b[2G\x1b[1mClaude",
            "\x1b[2GBrowser",
            "\x1b[2GPaste",
            "\x1b[2G\x1b[38;5;153m╭",
            "\x1b[2G\x1b[38;5;114m✔",
            "\x1b[2GYour",
            "\x1b[2G\x1b[38;5;246mStore",
            "\x1b[2G\x1b[38;5;246mUse",
            "\x1b[2G\x1b[38;5;246mYou",
        )
    if (generation, columns) == ("2.1.332", 120):
        assert_recorded(claude, "claude-setup-token-120x40-FAKESERVER-200", "\x1b[38;5;174mWelcome")
    if (generation, columns) == ("2.1.197", 80):
        assert_recorded(
            claude,
            "claude2.1.197-setup-token-80x24-FAKESERVER-200",
            "\x1b[38;5;174mWelcome",
            "\x1b[2G\x1b[38;5;246mUse",
        )
        assert_recorded(claude, "claude2.1.197-setup-token-80x24-nohash", "\x1b[2GPaste")
    # the terminal is handed back: scroll region, bracketed paste off, cursor shown
    assert "\x1b[?2004l" in raw[-200:] and "\x1b7\x1b[r\x1b8" in raw[-200:]
    assert raw.endswith("\x1b[?25h")

    lines = claude.text_lines()
    if generation == "2.1.332":
        assert any("✔ Long-lived authentication token created" in line for line in lines)
        assert any("You can revoke it later at" in line for line in lines)
    else:
        assert any(
            "✓ Long-lived authentication token created successfully!" in line for line in lines
        )
    assert "Store this token securely. You won't be able to see it again." in flat(lines)
    assert "Use this token by setting: export CLAUDE_CODE_OAUTH_TOKEN=<token>" in flat(lines)

    token, block = printed_token(lines)
    assert TOKEN_RE.fullmatch(token), token
    if token_length:
        assert len(token) == token_length
    else:
        assert 80 <= len(token) <= 120
    for line in block:
        assert line.startswith(" ") and not line.startswith("  ")
        assert len(line) <= columns
    if len(token) > columns - 1:
        assert len(block[0]) == columns  # one space, then width-1 characters
    # the token is never inside a hyperlink
    assert not any(TOKEN_RE.search(link) for link in claude.links())


async def test_full_sign_in_link_on_request(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, signin, generation="2.1.332")
    claude = start_claude(programs, home, env={"CLAUDE_CODE_FULL_SIGN_IN_LINK": "1"})
    url = await wait_prompt(claude, "2.1.332")
    assert url.startswith(signin.base_url + "/cai/oauth/authorize?code=true&client_id=")
    assert re.search(r"&code_challenge=[A-Za-z0-9_-]{43}&code_challenge_method=S256", url)
    assert re.search(r"&state=[A-Za-z0-9_-]{43}$", url)
    pieces = url_lines(claude.display(), "2.1.332")
    assert len(pieces) == len(claude.links()) > 1
    assert set(claude.links()) == {url}
    await enter_customer_code(claude, url)
    assert await claude.wait_exit() == 0
    assert TOKEN_RE.fullmatch(printed_token(claude.text_lines())[0])


# --- claude: the ways a code goes wrong ---------------------------------------------------------


async def test_enter_on_empty_input_does_nothing(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, signin)
    claude = start_claude(programs, home)
    await wait_prompt(claude, "2.1.332")
    before = claude.display()
    claude.send("\r")
    claude.send("x")  # processed after the Enter: once it shows, the Enter has been handled
    await wait_for(lambda: "│ x" in claude.dump(), what="x echoed")
    after = claude.display()
    assert [line.replace("│ x", "│  ") for line in after] == before
    assert claude.process.poll() is None


@pytest.mark.parametrize("generation", ["2.1.332", "2.1.197"])
async def test_code_without_hash(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram], generation: str
) -> None:
    home = make_home(tmp_path, signin, generation=generation)
    claude = start_claude(programs, home)
    await wait_prompt(claude, generation)
    claude.send("abc123")
    claude.send("\r")
    if generation == "2.1.332":
        await claude.wait_shows("✘ That doesn't look like the full code.")
        await claude.wait_shows("Copy all of it, including the # in the middle.")
        assert_recorded(
            claude,
            "claude-setup-token-80x24-nohash",
            "\x1b[2G\x1b[38;5;211m✘",
            "\x1b[4G\x1b[38;5;246mCopy",
        )
        assert claude.shows("Paste code here if prompted")  # the box stays, input cleared
        assert input_area(claude, generation) == "" and not claude.shows("Press Enter to retry")
        # and it still takes a good code
        url = "".join(url_lines(claude.display(), generation))
        await enter_customer_code(claude, url)
        assert await claude.wait_exit() == 0
    else:
        await claude.wait_shows(
            "OAuth error: Invalid code. Please make sure the full code was copied"
        )
        await claude.wait_shows("Press Enter to retry.")


@pytest.mark.parametrize("generation", ["2.1.332", "2.1.197"])
async def test_six_digit_verification_code(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram], generation: str
) -> None:
    home = make_home(tmp_path, signin, generation=generation)
    claude = start_claude(programs, home)
    await wait_prompt(claude, generation)
    claude.send("123456\r")
    if generation == "2.1.332":
        await claude.wait_shows("✘ That looks like a verification code.")
        await claude.wait_shows("Enter it in your browser, on the page that asks for it.")
        await claude.wait_shows("a longer code, paste it here.")
        assert_recorded(
            claude,
            "claude-setup-token-80x24-verifcode",
            "\x1b[2G\x1b[38;5;211m✘",
            "\x1b[4G\x1b[38;5;246mEnter",
            "\x1b[4G\x1b[38;5;246ma",
        )
    else:  # the older build has no such check: a code without '#'
        await claude.wait_shows("OAuth error: Invalid code.")


REFUSED = {
    "2.1.332": ["✘ OAuth error: That code wasn't accepted.", "Press Enter to retry"],
    "2.1.197": ["OAuth error: Request failed with status code 400", "Press Enter to retry."],
}
UNREACHABLE = {
    "2.1.332": [
        "✘ OAuth error: Couldn't get an answer from the sign-in service (EAI_AGAIN).",
        "Check your internet connection, then try again.",
        "Press Enter to retry",
    ],
    "2.1.197": [
        "OAuth error: getaddrinfo ECONNREFUSED platform.claude.com",
        "Press Enter to retry.",
    ],
}


@pytest.mark.parametrize("generation", ["2.1.332", "2.1.197"])
async def test_code_for_another_sign_in_is_refused(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram], generation: str
) -> None:
    home = make_home(tmp_path, signin, generation=generation)
    claude = start_claude(programs, home)
    await wait_prompt(claude, generation)
    claude.paste(signin.code_for(secrets.token_urlsafe(32)))  # a real code, for another state
    claude.send("\r")
    for text in REFUSED[generation]:
        await claude.wait_shows(text)
    assert claude.process.poll() is None
    if generation == "2.1.332":
        assert_recorded(
            claude, "claude-setup-token-80x24-FAKESERVER-400", "\x1b[4G\x1b[38;5;211malready"
        )


@pytest.mark.parametrize("generation", ["2.1.332", "2.1.197"])
async def test_scenario_code_refused_refuses_a_good_code(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram], generation: str
) -> None:
    home = make_home(tmp_path, signin, generation=generation, scenario="code_refused")
    claude = start_claude(programs, home)
    url = await wait_prompt(claude, generation)
    await enter_customer_code(claude, url)
    for text in REFUSED[generation]:
        await claude.wait_shows(text)
    assert "Your OAuth token" not in "\n".join(claude.text_lines())


@pytest.mark.parametrize("generation", ["2.1.332", "2.1.197"])
async def test_scenario_service_unreachable(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram], generation: str
) -> None:
    home = make_home(tmp_path, signin, generation=generation, scenario="service_unreachable")
    claude = start_claude(programs, home)
    url = await wait_prompt(claude, generation)
    await enter_customer_code(claude, url)
    for text in UNREACHABLE[generation]:
        await claude.wait_shows(text)


@pytest.mark.parametrize("generation", ["2.1.332", "2.1.197"])
async def test_retry_draws_a_url_with_a_new_state(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram], generation: str
) -> None:
    home = make_home(tmp_path, signin, generation=generation)
    env = {"CLAUDE_CODE_FULL_SIGN_IN_LINK": "1"} if generation == "2.1.332" else {}
    claude = start_claude(programs, home, env=env)
    first_url = await wait_prompt(claude, generation)
    old_code = await customer_code(first_url)
    claude.paste("wrong" + old_code[5:])  # the right state, a wrong code
    claude.send("\r")
    await claude.wait_shows(REFUSED[generation][0])
    since = len(claude.raw)
    claude.send("\r")
    # Shown for a scaled-down second only: looked for in the output, where a poll of the
    # screen can miss it on a busy machine.
    await wait_for(lambda: "Retrying" in _printed_text(claude.raw[since:]), what="Retrying")
    await wait_for(
        lambda: claude.shows(PROMPT[generation]) and not claude.shows("Retrying"), what="new prompt"
    )
    second_url = await wait_prompt(claude, generation)
    assert state_of(second_url) != state_of(first_url)
    if generation == "2.1.332":
        # a new sign-in: new state, new code challenge, new link target
        assert challenge_of(second_url) != challenge_of(first_url)
        assert claude.links()[-1] == second_url
    else:
        # as recorded for 2.1.197: the same code challenge, only the state changes
        assert challenge_of(second_url) == challenge_of(first_url)
    # the code for the old link is refused now; the new one signs in
    claude.paste(old_code)
    claude.send("\r")
    await claude.wait_shows(REFUSED[generation][0])
    claude.send("\r")
    await wait_for(
        lambda: claude.shows(PROMPT[generation]) and not claude.shows("Retrying"), what="prompt"
    )
    third_url = await wait_prompt(claude, generation)
    await enter_customer_code(claude, third_url)
    assert await claude.wait_exit() == 0
    assert TOKEN_RE.fullmatch(printed_token(claude.text_lines())[0])


# --- claude: keys, queries, terminal habits ----------------------------------------------------


async def test_ctrl_c_clears_the_input_and_does_not_exit(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, signin)
    claude = start_claude(programs, home)
    url = await wait_prompt(claude, "2.1.332")
    claude.send("abc")
    await wait_for(lambda: input_area(claude, "2.1.332") == "abc", what="abc echoed")
    claude.send(b"\x03")
    await wait_for(lambda: input_area(claude, "2.1.332") == "", what="input cleared")
    assert claude.process.poll() is None
    await enter_customer_code(claude, url)
    assert await claude.wait_exit() == 0


@pytest.mark.parametrize("generation", ["2.1.332", "2.1.197"])
async def test_c_on_empty_input_copies_the_url_with_osc52(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram], generation: str
) -> None:
    home = make_home(tmp_path, signin, generation=generation)
    claude = start_claude(programs, home)
    url = await wait_prompt(claude, generation)
    claude.send("c")
    await wait_for(lambda: _OSC52.search(claude.raw_text), what="OSC 52")
    copied = base64.b64decode(_OSC52.search(claude.raw_text).group(1)).decode()  # type: ignore[union-attr]
    assert copied == url
    claude.send("x")  # the c was not typed into the input
    await wait_for(lambda: input_area(claude, generation) == "x", what="x alone")


async def test_replies_to_terminal_queries_are_not_typed(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, signin)
    claude = start_claude(programs, home)
    await wait_prompt(claude, "2.1.332")
    claude.send(b"\x1b[?6c")
    claude.send(b"\x1b]11;rgb:0000/0000/0000\x07")
    claude.send(b"\x1b[?0u\x1b[?62;22c")
    claude.send(b"\x1bP>|xterm(390)\x1b\\")
    claude.send("x")
    await wait_for(lambda: input_area(claude, "2.1.332") != "", what="x echoed")
    assert input_area(claude, "2.1.332") == "x"


async def test_resize_redraws_everything_at_the_new_width(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, signin, generation="2.1.332")
    claude = start_claude(programs, home, env={"CLAUDE_CODE_FULL_SIGN_IN_LINK": "1"})
    url = await wait_prompt(claude, "2.1.332")
    claude.resize(60, 20)

    def redrawn_at(width: int) -> bool:
        top = [line for line in claude.display() if "╭" in line]
        return bool(top) and len(top[-1]) == width and "╮" in top[-1]

    await wait_for(lambda: redrawn_at(60), what="box at 60 columns\n" + claude.dump())
    await wait_for(lambda: "".join(url_lines(claude.display(), "2.1.332")) == url, what="URL")
    pieces = url_lines(claude.display(), "2.1.332")
    assert [len(piece) for piece in pieces[:-1]] == [60] * (len(pieces) - 1)
    # the header too is laid out again at 60 columns
    assert " This will guide you through long-lived (1-year) auth token" in claude.display()
    claude.resize(120, 40)
    await wait_for(lambda: redrawn_at(120), what="box at 120 columns")
    await wait_for(lambda: any("█████████" in line for line in claude.display()), what="splash")
    pieces = url_lines(claude.display(), "2.1.332")
    assert "".join(pieces) == url and len(pieces) == -(-len(url) // 120)
    # still works after the redraws
    await enter_customer_code(claude, url)
    assert await claude.wait_exit() == 0


async def test_resize_rewraps_the_older_generation(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, signin, generation="2.1.197")
    claude = start_claude(programs, home)
    url = await wait_prompt(claude, "2.1.197")
    claude.resize(60, 20)
    await wait_for(
        lambda: [len(p) for p in url_lines(claude.display(), "2.1.197")][:1] == [60],
        what="URL re-wrapped at 60\n" + claude.dump(),
    )
    assert "".join(url_lines(claude.display(), "2.1.197")) == url


async def test_without_a_terminal_claude_fails_like_ink(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    result = await asyncio.to_thread(run_plain, "clawtui.sim.claude", ["setup-token"], home)
    assert result.returncode == 1
    assert "Raw mode is not supported on the current process.stdin" in result.stderr
    assert "Ink uses as input stream by default" in result.stderr


async def test_closing_the_terminal_exits_zero_quietly(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, signin)
    claude = start_claude(programs, home)
    await wait_prompt(claude, "2.1.332")
    claude.hang_up()  # the SSH channel went away
    await wait_for(lambda: claude.process.poll() is not None, what="exit after hang-up")
    assert claude.process.returncode == 0


async def test_sigterm_restores_the_terminal(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, signin)
    claude = start_claude(programs, home)
    await wait_prompt(claude, "2.1.332")
    claude.process.send_signal(signal.SIGTERM)
    assert await claude.wait_exit() == 143
    assert claude.raw_text.endswith(
        "\x1b[?2004l\x1b(B\x0f\x1b[?1016l\x1b[?1006l\x1b[?1003l"
        "\x1b[?1002l\x1b[?1000l\x1b[?7h\x1b[?25h\x1b7\x1b[r\x1b8\x1b]0;\x07"
    )


@pytest.mark.parametrize("generation", ["2.1.332", "2.1.197"])
async def test_claude_version(tmp_path: Path, generation: str) -> None:
    home = make_home(tmp_path, generation=generation)
    result = await asyncio.to_thread(run_plain, "clawtui.sim.claude", ["--version"], home)
    assert (result.returncode, result.stdout) == (0, f"{generation} (Claude Code)\n")


# --- delays: scaled and logged ------------------------------------------------------------------


def logged(home: Path) -> list[float]:
    return [float(line) for line in delays_log(home).read_text().split()]


@pytest.mark.parametrize(
    ("generation", "total"),
    [("2.1.332", 0.25 + 0.15 + 1.0 + 0.5), ("2.1.197", 0.45 + 0.1 + 3.05 + 1.0 + 0.5)],
)
async def test_every_delay_is_scaled_and_logged(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram], generation: str, total: float
) -> None:
    home = make_home(tmp_path, signin, generation=generation)
    claude = start_claude(programs, home)
    url = await wait_prompt(claude, generation)
    await enter_customer_code(claude, url)
    assert await claude.wait_exit() == 0
    values = logged(home)
    assert values and all(0 < value <= 3.05 * SCALE + 1e-9 for value in values)
    assert sum(values) == pytest.approx(total * SCALE, abs=1e-4)


async def test_slow_start_waits_about_twelve_seconds_scaled(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, signin, scenario="slow_start")
    claude = start_claude(programs, home)
    await wait_prompt(claude, "2.1.332")
    values = logged(home)
    assert sum(values) == pytest.approx(12.0 * SCALE, abs=1e-4)
    assert max(values) == pytest.approx(11.75 * SCALE, abs=1e-6)


async def test_scale_zero_never_sleeps(
    tmp_path: Path, signin: SignInPage, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, signin, generation="2.1.197", time_scale=0.0, scenario="slow_start")
    claude = start_claude(programs, home)
    began = time.monotonic()
    url = await wait_prompt(claude, "2.1.197")
    await enter_customer_code(claude, url)
    assert await claude.wait_exit() == 0
    assert time.monotonic() - began < 5.0  # unscaled, this run would take over 13 s
    assert logged(home) and set(logged(home)) == {0.0}


# --- openclaw -----------------------------------------------------------------------------------


def fake_token(length: int = 108) -> str:
    prefix = "sk-ant-oat01-"
    return prefix + secrets.token_urlsafe(length)[: length - len(prefix)]


async def openclaw_prompt(programs: list[PtyProgram], home: Path, **options: object) -> PtyProgram:
    openclaw = start_paste_token(programs, home, **options)
    await openclaw.wait_shows("◆  Paste token for anthropic")
    await openclaw.wait_shows("└")
    return openclaw


def mask_count(program: PtyProgram) -> int:
    return "".join(program.display()).count("▪")


async def test_openclaw_prompt_and_banner(tmp_path: Path, programs: list[PtyProgram]) -> None:
    openclaw = await openclaw_prompt(programs, make_home(tmp_path))
    lines = openclaw.display()
    assert lines[:2] == ["│", "◇"]
    assert any(line.startswith("OpenClaw 2026.9.6 (eb377ac)") for line in lines)
    assert any(
        "Installed Gateway service state and config paths could not be verified" in line
        for line in lines
    )
    assert "│  _" in lines  # pyte draws clack's concealed cursor
    assert "\x1b[?2004h" not in openclaw.raw_text  # never asks for bracketed paste
    prompt = "".join(
        recorded("openclaw-paste-token-80x24-empty-enter", anchor)
        for anchor in ("\x1b[?25l\x1b[90m│", "\x1b[36m◆", "\x1b[36m│", "\x1b[36m└")
    )
    assert prompt in openclaw.raw_text


async def test_openclaw_masks_the_input_and_wraps_it(
    tmp_path: Path, programs: list[PtyProgram]
) -> None:
    openclaw = await openclaw_prompt(programs, make_home(tmp_path))
    openclaw.paste("hello")
    await wait_for(lambda: "│  ▪▪▪▪▪_" in openclaw.display(), what="5 masked")
    token = fake_token(108)
    openclaw.send(b"\x7f" * 5)
    await wait_for(lambda: mask_count(openclaw) == 0, what="cleared by backspace")
    openclaw.paste(token)
    await wait_for(lambda: mask_count(openclaw) == len(token), what="all masked")
    lines = openclaw.display()
    first = lines.index("◆  Paste token for anthropic") + 1
    assert lines[first] == "│  " + "▪" * 77
    assert lines[first + 1] == "▪" * (len(token) - 77) + "_"
    assert token not in openclaw.raw_text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Required"),
        ("hello", "Expected token starting with sk-ant-oat01-"),
        ("sk-ant-oat01-abc", "Token looks too short; paste the full setup-token"),
    ],
)
async def test_openclaw_validation_messages(
    tmp_path: Path, programs: list[PtyProgram], typed: str, message: str
) -> None:
    openclaw = await openclaw_prompt(programs, make_home(tmp_path))
    if typed:
        openclaw.paste(typed)
        await wait_for(lambda: mask_count(openclaw) == len(typed), what="echo")
    openclaw.send("\r")
    await openclaw.wait_shows(f"└  {message}")
    assert openclaw.shows("▲  Paste token for anthropic")
    if not typed:
        assert recorded("openclaw-paste-token-80x24-empty-enter", "\x1b[999D") in openclaw.raw_text
    # typing again goes back to the active prompt
    openclaw.send("x")
    await openclaw.wait_shows("◆  Paste token for anthropic")
    assert not openclaw.shows(message)


async def test_openclaw_too_short_follows_the_configured_minimum(
    tmp_path: Path, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, openclaw_min_token_length=90)
    openclaw = await openclaw_prompt(programs, home)
    openclaw.paste(fake_token(85))
    await wait_for(lambda: mask_count(openclaw) == 85, what="echo")
    openclaw.send("\r")
    await openclaw.wait_shows("Token looks too short; paste the full setup-token")


async def test_openclaw_newline_in_a_paste_clears_the_input(
    tmp_path: Path, programs: list[PtyProgram]
) -> None:
    openclaw = await openclaw_prompt(programs, make_home(tmp_path))
    openclaw.paste(fake_token() + "\n")
    await wait_for(
        lambda: "│  _" in openclaw.display() and mask_count(openclaw) == 0, what="cleared"
    )
    openclaw.send("\r")
    await openclaw.wait_shows("└  Required")


async def test_openclaw_success_stores_the_token(
    tmp_path: Path, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path)
    openclaw = await openclaw_prompt(programs, home)
    token = fake_token(108)
    openclaw.paste(token)
    await wait_for(lambda: mask_count(openclaw) == len(token), what="echo")
    openclaw.send("\r")
    assert await openclaw.wait_exit() == 0
    text = "\n".join(openclaw.text_lines())
    assert "◇  Paste token for anthropic" in text
    assert "Auth profile: anthropic:manual (anthropic/token)" in text
    assert "Updated config: ~/.openclaw/openclaw.json" in text
    assert "Run `openclaw gateway restart` to apply" in " ".join(openclaw.text_lines())
    assert_recorded(
        openclaw,
        "openclaw-paste-token-80x24-bracketed",
        "Warning",
        "Updated config",
        "Auth profile",
    )

    config = json.loads((home / ".openclaw" / "openclaw.json").read_text())
    assert config["auth"]["profiles"]["anthropic:manual"] == {
        "provider": "anthropic",
        "mode": "token",
    }
    database = home / ".openclaw" / "state" / "openclaw.sqlite"
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT profile_id, secret FROM auth_profiles").fetchall()
    assert rows == [("anthropic:manual", token)]
    assert (database.stat().st_mode & 0o777) == 0o600
    assert ((home / ".openclaw" / "openclaw.json").stat().st_mode & 0o777) == 0o600


async def test_openclaw_loses_the_first_pastes_when_configured(
    tmp_path: Path, programs: list[PtyProgram]
) -> None:
    home = make_home(tmp_path, openclaw_ignore_pastes=1)
    openclaw = await openclaw_prompt(programs, home)
    token = fake_token()
    openclaw.paste(token)
    openclaw.send("\r")
    await openclaw.wait_shows("└  Required")
    openclaw.paste(token)
    await wait_for(lambda: mask_count(openclaw) == len(token), what="second paste taken")
    openclaw.send("\r")
    assert await openclaw.wait_exit() == 0


async def test_openclaw_ctrl_c_cancels(tmp_path: Path, programs: list[PtyProgram]) -> None:
    home = make_home(tmp_path)
    openclaw = await openclaw_prompt(programs, home)
    openclaw.paste("hello")
    await wait_for(lambda: mask_count(openclaw) == 5, what="echo")
    openclaw.send(b"\x03")
    assert await openclaw.wait_exit() == 0
    assert openclaw.shows("■  Paste token for anthropic")
    assert openclaw.shows("└  Cancelled.")
    assert (
        recorded("openclaw-paste-token-80x24-badtoken", "\x1b[?25h\x1b[90m└") in openclaw.raw_text
    )
    assert not (home / ".openclaw").exists()


async def test_openclaw_from_a_pipe_status_and_list(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    args = ["models", "auth", "paste-token", "--provider", "anthropic"]

    listed = await asyncio.to_thread(
        run_plain, "clawtui.sim.openclaw", ["models", "auth", "list", "--json"], home
    )
    assert json.loads(listed.stdout[listed.stdout.index("{") :])["profiles"] == []
    status = await asyncio.to_thread(run_plain, "clawtui.sim.openclaw", ["models", "status"], home)
    assert status.returncode == 0 and "anthropic:manual=" not in status.stdout

    bad = await asyncio.to_thread(run_plain, "clawtui.sim.openclaw", args, home, "hello\n")
    assert bad.returncode == 1 and "Expected token starting with sk-ant-oat01-" in bad.stderr

    token = fake_token(95)
    result = await asyncio.to_thread(run_plain, "clawtui.sim.openclaw", args, home, token + "\n")
    assert result.returncode == 0, result.stderr
    assert "Auth profile: anthropic:manual (anthropic/token)" in result.stdout
    assert token not in result.stdout + result.stderr

    status = await asyncio.to_thread(run_plain, "clawtui.sim.openclaw", ["models", "status"], home)
    assert f"anthropic:manual=token:sk-ant-o...{token[-8:]}" in status.stdout
    listed = await asyncio.to_thread(
        run_plain, "clawtui.sim.openclaw", ["models", "auth", "list", "--json"], home
    )
    profiles = json.loads(listed.stdout[listed.stdout.index("{") :])["profiles"]
    assert [profile["id"] for profile in profiles] == ["anthropic:manual"]
    assert token not in listed.stdout
    # the status command waits ~2 s, scaled and logged
    assert logged(home)[-1] == pytest.approx(2.0 * SCALE)


async def test_openclaw_verify_mismatch_stores_another_token(tmp_path: Path) -> None:
    home = make_home(tmp_path, scenario="verify_mismatch")
    token = fake_token()
    args = ["models", "auth", "paste-token", "--provider", "anthropic"]
    result = await asyncio.to_thread(run_plain, "clawtui.sim.openclaw", args, home, token + "\n")
    assert result.returncode == 0
    status = await asyncio.to_thread(run_plain, "clawtui.sim.openclaw", ["models", "status"], home)
    shown = re.search(r"anthropic:manual=token:sk-ant-o\.\.\.([A-Za-z0-9_-]{8})", status.stdout)
    assert shown and shown.group(1) != token[-8:]


@pytest.mark.parametrize("scenario", ["openclaw_missing", "openclaw_placeholder"])
async def test_openclaw_absent_on_broken_installs(tmp_path: Path, scenario: str) -> None:
    home = make_home(tmp_path, scenario=scenario)
    result = await asyncio.to_thread(run_plain, "clawtui.sim.openclaw", ["--version"], home)
    assert result.returncode == 127


async def test_openclaw_version(tmp_path: Path) -> None:
    result = await asyncio.to_thread(
        run_plain, "clawtui.sim.openclaw", ["--version"], make_home(tmp_path)
    )
    assert (result.returncode, result.stdout) == (0, "OpenClaw 2026.9.6 (eb377ac)\n")


# --- node, npm, free ----------------------------------------------------------------------------


def test_tools(tmp_path: Path) -> None:
    def tool(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return run_plain("clawtui.sim.tools", list(args), home)

    happy = make_home(tmp_path / "a", node_version="v24.21.0", mem_total_mb=3936)
    assert tool(happy, "node", "--version").stdout == "v24.21.0\n"
    listing = tool(happy, "npm", "ls", "-g", "openclaw", "--depth=0")
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[:2] == ["/usr/lib", "└── openclaw@2026.9.6"]
    everything = tool(happy, "npm", "ls", "-g").stdout
    assert "@anthropic-ai/claude-code@2.1.332" in everything and "openclaw@2026.9.6" in everything

    free_m = tool(happy, "free", "-m").stdout.splitlines()
    assert free_m[0].split() == ["total", "used", "free", "shared", "buff/cache", "available"]
    memory = free_m[1].split()
    assert memory[0] == "Mem:" and int(memory[1]) == 3936 and 3000 < int(memory[6]) < 3936
    free_b = tool(happy, "free", "-b").stdout.splitlines()[1].split()
    assert int(free_b[1]) == 3936 * 1024 * 1024

    assert tool(happy, "npm", "frobnicate").returncode == 1
    assert tool(happy, "free", "--bogus").returncode == 1
    assert tool(happy, "node", "server.js").returncode == 1

    placeholder = make_home(
        tmp_path / "b", scenario="openclaw_placeholder", node_version="v22.12.0"
    )
    assert tool(placeholder, "node", "--version").stdout == "v22.12.0\n"
    assert (
        "└── openclaw@0.0.1" in tool(placeholder, "npm", "ls", "-g", "openclaw", "--depth=0").stdout
    )

    missing = make_home(tmp_path / "c", scenario="openclaw_missing")
    result = tool(missing, "npm", "ls", "-g", "openclaw", "--depth=0")
    assert (
        result.returncode == 1 and "openclaw@" not in result.stdout and "(empty)" in result.stdout
    )


# --- start-up cost ------------------------------------------------------------------------------

#: Modules that a quick command of a simulated program must not import: every command is a new
#: Python process (a batch of 100 boxes starts about 700), and each of these costs milliseconds of
#: CPU in every one of them. `setup-token` and the commands that read the token import what they
#: need where they need it.
HEAVY_MODULES = {
    "asyncio",
    "dataclasses",
    "datetime",
    "hashlib",
    "inspect",
    "pathlib",
    "random",
    "secrets",
    "socket",
    "sqlite3",
    "traceback",
    "typing",
    "urllib.parse",
}


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("clawtui.sim.openclaw", ["--version"]),
        ("clawtui.sim.openclaw", ["models", "set", "anthropic/claude-sonnet-4-6"]),
        ("clawtui.sim.openclaw", ["gateway", "restart"]),
        ("clawtui.sim.openclaw", ["gateway", "status", "--json"]),
        ("clawtui.sim.claude", ["--version"]),
        ("clawtui.sim.tools", ["node", "--version"]),
        ("clawtui.sim.tools", ["npm", "ls", "-g", "--json"]),
        ("clawtui.sim.tools", ["free", "-m"]),
    ],
)
def test_quick_commands_import_nothing_heavy(tmp_path: Path, module: str, args: list[str]) -> None:
    home = make_home(tmp_path)
    imported = tmp_path / "modules.txt"
    code = (
        "import sys\n"
        f"from {module} import main\n"
        f"status = main({args!r})\n"
        f"open({str(imported)!r}, 'w').write('\\n'.join(sys.modules))\n"
        "sys.exit(status)\n"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code],  # -S: as the server's wrappers run them
        capture_output=True,
        text=True,
        env={"HOME": str(home), "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)},
        cwd=str(home),
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert not HEAVY_MODULES.intersection(imported.read_text().split())


# --- the pieces: input decoding and layout ------------------------------------------------------


def test_input_decoder_splits_keys_pastes_and_terminal_replies() -> None:
    decoder = InputDecoder()
    keys = decoder.feed(b"ab\x7f\r\n\x03\x1b[?6c\x1b]11;rgb:0000/0000/0000\x07\x1bP>|xterm\x1b\\x")
    assert keys == [
        Key("text", "ab"),
        Key("backspace"),
        Key("enter"),  # CR LF is one Enter
        Key("ctrl_c"),
        Key("ignored", "\x1b[?6c"),
        Key("ignored", "\x1b]11;rgb:0000/0000/0000\x07"),
        Key("ignored", "\x1bP>|xterm\x1b\\"),
        Key("text", "x"),
    ]
    assert decoder.feed(b"\n") == [Key("linefeed")]


def test_input_decoder_keeps_sequences_split_across_reads() -> None:
    decoder = InputDecoder()
    stream = "\x1b[200~sk-ant-oat01-ä#state\r\n\x1b[201~\x1b[?62;22c€\r".encode()
    keys: list[Key] = []
    for byte in range(len(stream)):  # the worst case: one byte a read
        keys += decoder.feed(stream[byte : byte + 1])
    assert [key for key in keys if key.kind != "ignored"] == [
        Key("paste", "sk-ant-oat01-ä#state\r\n"),
        Key("text", "€"),
        Key("enter"),
    ]
    assert Key("ignored", "\x1b[?62;22c") in keys


def test_layout_never_passes_the_right_edge() -> None:
    words = styled_words("a " * 30 + "https://claude.ai/settings/claude-code" + " word" * 20)
    for width in (20, 41, 60, 80):
        for line in wrap_words(words, width, indent=2):
            for column, word, _style in line:
                assert column >= 2 and column + len(word) - 1 <= width


def test_openclaw_mask_wraps_like_the_recording() -> None:
    bar = "│  "
    cursor = "\x1b[7m\x1b[8m_\x1b[28m\x1b[27m"
    assert input_lines(bar, 76, 80, cursor=True) == [bar + "▪" * 76 + cursor]
    assert input_lines(bar, 77, 80, cursor=True) == [bar, "▪" * 77 + cursor]  # moves down whole
    assert input_lines(bar, 80, 80, cursor=True) == [bar + "▪" * 77, "▪" * 3 + cursor]
    assert input_lines(bar, 105, 80, cursor=False) == [bar + "▪" * 77, "▪" * 28]
