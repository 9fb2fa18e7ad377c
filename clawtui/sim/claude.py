"""A simulated `claude setup-token` (Claude Code 2.1.197 or 2.1.332) for demo boxes and tests.

clawtui has to drive the real program on customer boxes, and both generations are in the field.
This stand-in behaves like the recordings in tests/data: the same terminal queries, the same
Ink layout (words placed with `ESC[nG`, `\\r\\r\\n` line ends, 256-colour SGR), the same texts,
URL wrapping (and OSC 8 links in 2.1.332), masked echo, errors, retry and success block, and the
same exit habits (closing the terminal exits 0 quietly). The code it accepts is the one the
simulated sign-in page (`clawtui.sim.signin`) shows for the current state, so a demo can play
the customer end to end. Standard library only: it runs on the box as
`python -m clawtui.sim.claude`.

Where the recordings and FLOW.md disagree this follows the recordings: 2.1.197 masks the echo
like 2.1.332, and its retry keeps the code challenge but draws a URL with a new state (2.1.332
draws a whole new sign-in). The host is the box's `signin_base`; 2.1.197 uses the older
`/oauth/authorize` path (the seed's form), 2.1.332 `/cai/oauth/authorize` or the short form.
"""

from __future__ import annotations

import os
import sys

from clawtui.sim._term import (
    HIDE_CURSOR,
    PLAIN,
    SAVE_RESTORE_SCROLL_REGION,
    SHOW_CURSOR,
    Delays,
    FrameRenderer,
    Key,
    Output,
    Style,
    TerminalGone,
    TerminalProgram,
    eprint,
    hard_wrap,
    ink_paragraph,
    ink_raw_mode_error,
    load_config,
    render_placed,
    stdin_is_terminal,
    styled_words,
    terminal_size,
    wrap_words,
)
from clawtui.sim.config import GENERATIONS, SimConfig, code_for_state

# Every command is a new Python process, and `claude --version` needs none of asyncio, secrets,
# hashlib, ...: they are imported where `setup-token` uses them, and `typing` not at all.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from clawtui.sim.config import StrPath

OLD = "2.1.197"
NEW = "2.1.332"

CLIENT_ID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
REDIRECT_URI = "https://platform.claude.com/oauth/code/callback"
TOKEN_PREFIX = "sk-ant-oat01-"
#: string.ascii_letters + string.digits + "_-", written out: `string` is not imported for it.
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

ORANGE = Style(174)
GREY = Style(246)
BLUE = Style(153)
BLUE_BOLD = Style(153, bold=True)
RED = Style(211)
GREEN = Style(114)
WHITE = Style(231)
YELLOW = Style(220)
BOLD = Style(bold=True)

SPINNER = "·✢*✶✻✽✻✶*✢"
SPINNER_TICK = 0.12  # animation only: not a delay of the program, so neither scaled nor logged

#: The ASCII splash that only 120-column (and wider) terminals get, as recorded.
SPLASH = [
    "..........................................................",
    "",
    "\x1b[6G*\x1b[46G█████▓▓░",
    "\x1b[34G*\x1b[44G███▓░\x1b[54G░░",
    "\x1b[13G░░░░░░\x1b[43G███▓░",
    "\x1b[5G░░░\x1b[11G░░░░░░░░░░\x1b[43G███▓░",
    "\x1b[4G░░░░░░░░░░░░░░░░░░░\x1b[27G\x1b[1m*\x1b[44G\x1b[22m██▓░░\x1b[55G▓",
    "\x1b[46G░▓▓███▓▓░",
    "\x1b[38;5;246m *\x1b[36G░░░░\x1b[39m",
    "\x1b[38;5;246m \x1b[34G░░░░░░░░\x1b[39m",
    "\x1b[38;5;246m \x1b[32G░░░░░░░░░░░░░░░░\x1b[39m",
    "\x1b[7G\x1b[38;5;174m █████████\x1b[57G\x1b[38;5;246m*\x1b[39m",
    "\x1b[7G\x1b[38;5;174m██▄█████▄██\x1b[42G\x1b[39m\x1b[1m*\x1b[22m",
    "\x1b[7G\x1b[38;5;174m █████████\x1b[23G\x1b[39m*",
    ".......\x1b[38;5;174m█\x1b[10G█\x1b[14G█\x1b[16G█\x1b[39m"
    "..........................................",
]
SPLASH_MIN_COLUMNS = 120

INTRO = (
    "This will guide you through long-lived (1-year) auth token setup for your Claude account. "
    "Claude subscription required."
)

#: What each generation writes on the way out (the `ESC[<u` is what pyte draws as a stray "u").
TRAILER = {
    NEW: "\x1b[?1004l\x1b[>4m\x1b[<u\x1b[?2031l\x1b[?2004l\x1b(B\x0f\x1b[?1016l\x1b[?1006l"
    "\x1b[?1003l\x1b[?1002l\x1b[?1000l\x1b[?7h\x1b[?25h" + SAVE_RESTORE_SCROLL_REGION,
    OLD: "\x1b(B\x0f\x1b[>4m\x1b[<u\x1b[?1004l\x1b[?2031l\x1b[?2004l\x1b[?25h"
    + SAVE_RESTORE_SCROLL_REGION,
}
MOUSE_OFF = "\x1b[?1006l\x1b[?1003l\x1b[?1002l\x1b[?1000l"

MESSAGES = {
    NEW: {
        "refused": "OAuth error: That code wasn't accepted. It may be incomplete, expired, "
        "already used, or from an earlier sign-in attempt. Sign in again to get a new code.",
        "unreachable": "OAuth error: Couldn't get an answer from the sign-in service "
        "(EAI_AGAIN). Check your internet connection, then try again.",
    },
    OLD: {
        "refused": "OAuth error: Request failed with status code 400",
        "unreachable": "OAuth error: getaddrinfo ECONNREFUSED platform.claude.com",
        "invalid": "OAuth error: Invalid code. Please make sure the full code was copied",
    },
}


def random_token(length: int = 0) -> str:
    """A fabricated long-lived token: the prefix, then `[A-Za-z0-9_-]`, 80–120 characters
    in all unless a length is configured (lengths seen in the field vary)."""
    import random  # here: only setup-token needs it
    import secrets

    total = length if length > len(TOKEN_PREFIX) else random.SystemRandom().randint(80, 120)
    return TOKEN_PREFIX + "".join(
        secrets.choice(TOKEN_ALPHABET) for _ in range(total - len(TOKEN_PREFIX))
    )


def _link_id() -> str:
    import secrets  # here: only setup-token needs it
    import string

    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(secrets.choice((6, 7))))


class SignIn:
    """One sign-in attempt: what goes into the URL."""

    __slots__ = ("state", "verifier", "link_id")

    def __init__(self, state: str, verifier: str, link_id: str) -> None:
        self.state = state
        self.verifier = verifier
        self.link_id = link_id

    @classmethod
    def new(cls) -> SignIn:
        import secrets  # here: only setup-token needs it

        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), _link_id())

    @property
    def challenge(self) -> str:
        import base64  # here: only setup-token needs them
        import hashlib

        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def url(self, base: str, *, full: bool, path: str) -> str:
        from urllib.parse import quote  # here: only setup-token needs it

        if not full:
            return f"{base}/oauth/authorize?I{self.state}"
        return (
            f"{base}{path}?code=true&client_id={CLIENT_ID}&response_type=code"
            f"&redirect_uri={quote(REDIRECT_URI, safe='')}&scope={quote('user:inference')}"
            f"&code_challenge={self.challenge}&code_challenge_method=S256&state={self.state}"
        )


def _marked(mark: str, mark_style: Style, words: list[tuple[str, Style]], width: int) -> list[str]:
    """A message led by a mark at column 2 (`✘`, `✔`), its text from column 4."""
    lines = wrap_words(words, width, indent=4)
    lines[0].insert(0, (2, mark, mark_style))
    return [render_placed(line) for line in lines]


class SetupToken(TerminalProgram):
    """The program: phases starting → waiting → prompt ⇄ exchanging → failed → retrying → done."""

    def __init__(
        self, config: SimConfig, home: StrPath, env: Mapping[str, str], out: Output
    ) -> None:
        super().__init__(out)
        self.config = config
        self.generation = config.generation if config.generation in GENERATIONS else NEW
        self.new = self.generation != OLD
        self.env = env
        self.delays = Delays(config, home)
        columns, rows = terminal_size(0, 1)
        self.renderer = FrameRenderer(out, columns, rows)
        self.phase = "starting"
        self.value = ""
        self.prompt_error: str | None = None  # 2.1.332: "nohash" or "verification" under the box
        self.failure: str | None = None  # "refused", "unreachable", "invalid"
        self.spinner_text = ""
        self.spinner_index = 0
        self.sign_in = SignIn.new()
        self.full_link = (not self.new) or env.get("CLAUDE_CODE_FULL_SIGN_IN_LINK") == "1"
        self.base = (config.signin_base or "https://claude.ai").rstrip("/")
        self.token = ""

    # --- what is on screen -----------------------------------------------------------------

    @property
    def columns(self) -> int:
        return self.renderer.columns

    @property
    def url(self) -> str:
        path = "/cai/oauth/authorize" if self.new else "/oauth/authorize"
        return self.sign_in.url(self.base, full=self.full_link, path=path)

    def header(self) -> list[str]:
        width = self.columns
        welcome = [
            ("Welcome", ORANGE),
            ("to", ORANGE),
            ("Claude", ORANGE),
            ("Code", ORANGE),
            (f"v{self.generation}", GREY),
        ]
        lines = [render_placed(line) for line in wrap_words(welcome, width, indent=1)]
        if width >= SPLASH_MIN_COLUMNS:
            lines += SPLASH
        lines.append("")
        if self.new:
            lines += ink_paragraph(styled_words(INTRO, BOLD), width)
            lines.append("")
        return lines

    def frame(self) -> tuple[list[str], tuple[int, int] | None]:
        width = self.columns
        if self.phase == "waiting" or (self.phase in ("exchanging", "retrying") and self.new):
            return self._spinner_line(), None
        if self.phase in ("prompt", "exchanging"):
            return self._prompt_new() if self.new else (self._prompt_old(), None)
        if self.phase == "retrying":
            return ink_paragraph(styled_words("Retrying…", BLUE), width), None
        if self.phase == "failed":
            return self._failed(), None
        if self.phase == "done":
            return self._success(), None
        return [], None

    def _spinner_line(self) -> list[str]:
        glyph = SPINNER[self.spinner_index % len(SPINNER)]
        return _marked(glyph, WHITE, styled_words(self.spinner_text), self.columns)

    def _lead_in(self) -> list[str]:
        if self.new:
            words = styled_words("Browser didn't open? Use the URL below to sign in")
            words += styled_words("(c to copy)", GREY)
        else:
            words = styled_words(
                "Browser didn't open? Use the url below to sign in (c to copy)", GREY
            )
        return ink_paragraph(words, self.columns)

    def _url_lines(self) -> list[str]:
        url = self.url
        pieces = hard_wrap(url, self.columns)
        if not self.new:
            return [f"\x1b[38;5;246m{piece}\x1b[39m" for piece in pieces]
        link = f"\x1b]8;id={self.sign_in.link_id};{url}\x07"
        return [f"{link}\x1b[38;5;246m{piece}\x1b[39m\x1b]8;;\x07" for piece in pieces]

    def _masked(self) -> str:
        hidden = max(0, len(self.value) - 6)
        return "*" * hidden + self.value[hidden:]

    def _prompt_new(self) -> tuple[list[str], tuple[int, int] | None]:
        width = self.columns
        lines = self._lead_in() + [""] + self._url_lines() + [""]
        lines += ink_paragraph(styled_words("Paste code here if prompted"), width)
        border = RED if self.prompt_error else BLUE
        inner = max(1, width - 5)
        pieces = hard_wrap(self._masked(), inner) if self.value else [""]
        if len(pieces[-1]) >= inner:
            pieces.append("")
        lines.append(f"\x1b[2G{border.on}╭{'─' * (width - 3)}╮\x1b[39m")
        cursor_row = 0
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            cursor = "\x1b[7m \x1b[27m" if last and self.phase == "prompt" else ""
            if last:
                cursor_row = len(lines)
            lines.append(
                f"\x1b[2G{border.on}│\x1b[4G\x1b[39m{piece}{cursor}"
                f"\x1b[{width}G{border.on}│\x1b[39m"
            )
        lines.append(f"\x1b[2G{border.on}╰{'─' * (width - 3)}╯\x1b[39m")
        if self.prompt_error == "nohash":
            lines += _marked(
                "✘", RED, styled_words("That doesn't look like the full code.", RED), width
            )
            lines += ink_paragraph(
                styled_words("Copy all of it, including the # in the middle.", GREY), width, 4
            )
        elif self.prompt_error == "verification":
            lines += _marked(
                "✘", RED, styled_words("That looks like a verification code.", RED), width
            )
            lines += ink_paragraph(
                styled_words(
                    "Enter it in your browser, on the page that asks for it. If a page then "
                    "shows a longer code, paste it here.",
                    GREY,
                ),
                width,
                4,
            )
        return lines, (cursor_row, 4 + len(pieces[-1]))

    def _prompt_old(self) -> list[str]:
        width = self.columns
        lines = self._lead_in() + [""] + self._url_lines() + ["", ""]
        prompt = wrap_words(styled_words("Paste code here if prompted >"), width, indent=2)
        last = prompt[-1]
        start = last[-1][0] + len(last[-1][1]) + 1 if last else 2
        masked = self._masked()
        room = max(0, width - start + 1)
        if masked and room:
            last.append((start, masked[:room], PLAIN))
        lines += [render_placed(line) for line in prompt]
        lines += hard_wrap(masked[room:], width) if len(masked) > room else []
        return lines

    def _failed(self) -> list[str]:
        width = self.columns
        message = MESSAGES[self.generation][self.failure or "refused"]
        if self.new:
            lines = _marked("✘", RED, styled_words(message, RED), width) + [""]
            press = [("Press", BLUE), ("Enter", BLUE_BOLD), ("to", BLUE), ("retry", BLUE)]
            return lines + ink_paragraph(press, width)
        lines = ink_paragraph(styled_words(message, RED), width) + ["", ""]
        press = [("Press", BLUE), ("Enter", BLUE_BOLD), ("to", BLUE), ("retry.", BLUE)]
        return lines + ink_paragraph(press, width)

    def _success(self) -> list[str]:
        width = self.columns
        if self.new:
            lines = [""] + _marked(
                "✔", GREEN, styled_words("Long-lived authentication token created", GREEN), width
            )
        else:
            lines = [""] + ink_paragraph(
                styled_words("✓ Long-lived authentication token created successfully!", GREEN),
                width,
            )
        lines += [""] + ink_paragraph(styled_words("Your OAuth token (valid for 1 year):"), width)
        lines.append("")
        # The token is hard-wrapped one column short of the width, one space in front of each
        # piece, and never inside a hyperlink: the parsers de-wrap exactly this.
        lines += [
            f"\x1b[2G\x1b[38;5;220m{piece}\x1b[39m" for piece in hard_wrap(self.token, width - 1)
        ]
        lines.append("")
        lines += ink_paragraph(
            styled_words("Store this token securely. You won't be able to see it again.", GREY),
            width,
        )
        lines.append("")
        lines += ink_paragraph(
            styled_words("Use this token by setting: export CLAUDE_CODE_OAUTH_TOKEN=<token>", GREY),
            width,
        )
        lines.append("")
        if self.new:
            lines += ink_paragraph(
                styled_words(
                    "You can revoke it later at https://claude.ai/settings/claude-code", GREY
                ),
                width,
            )
            lines.append("")
        return lines

    def refresh(self) -> None:
        if self.phase == "starting":
            return
        frame, cursor = self.frame()
        self.renderer.render(frame, cursor)

    # --- running ---------------------------------------------------------------------------

    def _foreign_block(self) -> str:
        """The `foreign_link` knob's sign-in block: the link wrapped at the width (each piece in
        an OSC 8 link for 2.1.332, as claude draws its own), then a code prompt."""
        url = SignIn.new().url(
            self.config.foreign_link.rstrip("/"), full=True, path="/oauth/authorize"
        )
        pieces = hard_wrap(url, self.columns)
        if self.new:
            link = f"\x1b]8;id={_link_id()};{url}\x07"
            pieces = [f"{link}{piece}\x1b]8;;\x07" for piece in pieces]
        lines = [
            "Browser didn't open? Use the url below to sign in (c to copy)",
            "",
            *pieces,
            "",
            "Paste code here if prompted >",
            "",
        ]
        return "".join(line + "\r\n" for line in lines)

    async def _start(self) -> None:
        write = self.out.write
        if self.config.foreign_link:
            write(self._foreign_block())
        slow = self.config.scenario == "slow_start"
        browser = bool(self.env.get("DISPLAY") or self.env.get("BROWSER"))
        if self.new:
            await self.delays.wait(0.25)
            write(SAVE_RESTORE_SCROLL_REGION + SHOW_CURSOR)
            write(HIDE_CURSOR + "\x1b[?2004h\x1b[?2031h\x1b[?1004h")
            self.renderer.write_header(self.header())
            write("\x1b]11;?\x07\x1b[c")
            self.phase = "waiting"
            wait = 11.75 if slow else 3.05 if browser else 0.15
            if wait > 1:
                await self._spin("Opening browser to sign in…", wait)
            else:
                await self.delays.wait(wait)
        else:
            await self.delays.wait(0.45)
            write(SAVE_RESTORE_SCROLL_REGION + SHOW_CURSOR)
            write(HIDE_CURSOR + "\x1b[?2004h\x1b[?1004h\x1b[?2031h")
            self.renderer.write_header(self.header())
            await self.delays.wait(0.1)
            write("\x1b[>0q\x1b[c")
            self.phase = "waiting"
            await self._spin("Opening browser to sign in…", 11.45 if slow else 3.05)
        self._show_prompt()
        if self.new:
            write("\x1b[>0q\x1b[?u\x1b]7501;?\x07\x1b[c")

    def _show_prompt(self) -> None:
        self.phase = "prompt"
        self.value = ""
        self.prompt_error = None
        self.refresh()

    async def _spin(self, text: str, seconds: float) -> None:
        """Wait `seconds` (scaled and logged once) while a spinner line animates."""
        import asyncio  # here: only setup-token needs it (its event loop has imported it)

        self.spinner_text = text
        self.spinner_index = 0
        self.refresh()
        delay = asyncio.ensure_future(self.delays.wait(seconds))
        try:
            while not delay.done():
                await asyncio.wait({delay}, timeout=SPINNER_TICK)
                if not delay.done():
                    self.spinner_index += 1
                    self.refresh()
        finally:
            delay.cancel()
        await delay

    # --- input -----------------------------------------------------------------------------

    def _on_keys(self, keys: list[Key]) -> None:
        if keys == [Key("text", "c")] and self.phase == "prompt" and not self.value:
            self._copy_url()  # a lone `c` on an empty prompt copies the URL: it is not typed
            return
        super()._on_keys(keys)

    def _copy_url(self) -> None:
        import base64  # here: only setup-token needs it

        encoded = base64.b64encode(self.url.encode("utf-8")).decode("ascii")
        self.out.write(f"\x1b]52;c;{encoded}\x07")

    def _on_key(self, key: Key) -> None:
        if self.phase == "prompt":
            if key.kind in ("text", "paste"):
                added = "".join(ch for ch in key.text if ch >= " " and ch != "\x7f")
                if added:
                    self.value += added
                    self.prompt_error = None
                    self.refresh()
            elif key.kind == "backspace" and self.value:
                self.value = self.value[:-1]
                self.refresh()
            elif key.kind in ("ctrl_c", "ctrl_u") and self.value:
                self.value = ""
                self.refresh()
            elif key.kind == "enter":
                self._submit()
        elif self.phase == "failed" and key.kind == "enter":
            self._spawn(self._retry())

    def _submit(self) -> None:
        code = "".join(self.value.split())
        if not code:
            return  # the real program does nothing at all (emptyenter transcript)
        if "#" not in code or (code.isdigit() and len(code) == 6):
            if self.new:
                self.prompt_error = (
                    "verification" if code.isdigit() and len(code) == 6 else "nohash"
                )
                self.value = ""
                self.refresh()
            else:
                self.failure = "invalid"
                self.phase = "failed"
                self.refresh()
            return
        self.phase = "exchanging"
        self._spawn(self._exchange(code))

    def _verdict(self, code: str) -> str:
        import hmac  # here: only setup-token needs it

        scenario = self.config.scenario
        if scenario == "service_unreachable":
            return "unreachable"
        if scenario == "code_refused":
            return "refused"
        given_code, _, state = code.partition("#")
        expected = code_for_state(self.config.secret, state)
        if state != self.sign_in.state or not hmac.compare_digest(given_code, expected):
            return "refused"
        return "ok"

    async def _exchange(self, code: str) -> None:
        if self.new:
            await self._spin("Finishing sign-in…", 1.0)
        else:
            self.refresh()
            await self.delays.wait(1.0)
        verdict = self._verdict(code)
        if verdict != "ok":
            self.failure = verdict
            self.phase = "failed"
            self.refresh()
            return
        self.token = random_token(self.config.token_length)
        self.phase = "done"
        self.refresh()
        await self.delays.wait(0.5)
        self.renderer.leave()
        if self.new:
            self.out.write(SHOW_CURSOR)
            self.out.write(TRAILER[NEW])
            self.out.write(SHOW_CURSOR)
        else:
            self.out.write(SHOW_CURSOR + MOUSE_OFF + TRAILER[OLD])
            self.out.write(
                "\x1b[?25h\x1b[>4m\x1b[<u\x1b[?1004l\x1b[?2031l\x1b[?2004l" + SHOW_CURSOR
            )
        self._finish(0)

    async def _retry(self) -> None:
        import secrets  # here: only setup-token needs it

        self.phase = "retrying"
        if self.new:
            self.out.write("\x1b(B\x0f\x1b[?2004h")
            await self._spin("Retrying sign-in…", 1.0)
            self.sign_in = SignIn.new()
        else:
            self.refresh()
            await self.delays.wait(1.0)
            # 2.1.197 as recorded: the same code challenge, a new state.
            self.sign_in = SignIn(secrets.token_urlsafe(32), self.sign_in.verifier, "")
        self._show_prompt()

    # --- signals ---------------------------------------------------------------------------

    def _on_resize(self) -> None:
        columns, rows = terminal_size(0, 1)
        if (columns, rows) == (self.renderer.columns, self.renderer.rows):
            return
        self.renderer.columns, self.renderer.rows = columns, rows
        if self.phase == "starting":
            return
        frame, cursor = self.frame()
        try:
            self.renderer.redraw_all(cursor, header=self.header(), frame=frame)
        except TerminalGone:
            self._finish(0)

    def _leave_on_terminate(self) -> None:
        self.out.write(MOUSE_OFF)
        self.renderer.leave()
        self.out.write(TRAILER[self.generation] + "\x1b]0;\x07")


USAGE = """Usage: claude [options] [command] [prompt]

Claude Code - starts an interactive session by default (not available on this simulated box).

Commands:
  setup-token    Set up a long-lived authentication token (requires Claude subscription)
"""


def _print_banner_token(home: StrPath) -> None:
    """The `banner_token` knob: a wrapper's token block, before claude starts (as plain text)."""
    token = random_token(96)
    folder = os.path.join(home, ".clawsim")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "banner_token"), "w", encoding="utf-8") as file:
        file.write(token + "\n")
    columns, _rows = terminal_size(0, 1)
    pieces = [f" {piece}" for piece in hard_wrap(token, max(20, columns - 1))]
    lines = ["Your OAuth token (valid for 1 year):", "", *pieces, ""]
    lines += ["Store this token securely. You won't be able to see it again.", ""]
    os.write(1, "\r\n".join(lines).encode() + b"\r\n")


def setup_token() -> int:
    config, home = load_config()
    if not stdin_is_terminal():
        eprint(ink_raw_mode_error())
        return 1
    if config.banner_token:
        _print_banner_token(home)
    return SetupToken(config, home, os.environ, Output(1)).run_on_terminal()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] in (["--version"], ["-v"], ["-V"]):
        config, _home = load_config()
        print(f"{config.claude_version} (Claude Code)")
        return 0
    if args[:1] == ["setup-token"]:
        return setup_token()
    if args[:1] in (["--help"], ["-h"]):
        print(USAGE, end="")
        return 0
    if not args:
        eprint("claude: the interactive session is not simulated here; run `claude setup-token`.\n")
        return 1
    eprint(f"error: unknown command '{args[0]}'\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
