"""The pre-filter: a program's bytes in, what pyte may see out, the rest handled here.

pyte's parser reads one character at a time and goes wrong on much of what programs send
today. One regex scan over the decoded text takes out what pyte must not see (OSC, DCS, the
private CSI forms it misreads), hands complete CSI sequences straight to the screen's own
handlers (pyte's per-character parser is most of its cost), caps what a hostile stream could
make it hold (unterminated strings and sequences), and reports what the screen does not
draw: the window title (OSC 0/2) and clipboard requests (OSC 52).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass

import pyte

from .screen import PaneScreen

__all__ = ["ClipboardRequest", "EscapeFilter", "TerminalEvent"]


@dataclass(frozen=True, slots=True)
class ClipboardRequest:
    """The program asked the terminal to set the clipboard (OSC 52). Never applied by the model:
    the owner decides whether to honour it."""

    selection: str
    text: str

    def __repr__(self) -> str:
        # The text may be anything the remote side chose to copy: keep it out of logs.
        return f"ClipboardRequest(selection={self.selection!r}, text=<{len(self.text)} chars>)"


TerminalEvent = ClipboardRequest


# Escape sequences handled before pyte sees them. Alternatives all start with ESC, so the scan
# jumps from ESC to ESC; text between matches (and the ESC forms not listed) goes to pyte.
_SPECIAL = re.compile(
    r"\x1b(?:"
    # OSC: the payload. Ended by BEL or ST; an ESC that starts anything else aborts it (xterm).
    r"\](?P<osc>[^\x07\x1b]*)(?:\x07|\x1b\\|(?=\x1b))"
    # DCS, SOS, PM, APC strings (sixel, XTGETTCAP, kitty graphics): pyte would draw them.
    r"|[P_^X][^\x07\x1b]*(?:\x07|\x1b\\|(?=\x1b))"
    # SGR with colon sub-parameters (`38:2::r:g:b`, `4:3`): pyte stops at the colon and draws
    # the rest as text.
    r"|\[(?P<colon_sgr>[0-9;]*:[0-9;:]*)m"
    # CSI < / > / = forms: kitty keyboard protocol, modifyOtherKeys (`> 4 m`, which pyte takes
    # as underline), XTVERSION (`> q`), DA2/DA3. Nothing pyte can use: dropped.
    r"|\[[<=>][\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    # CSI ? forms pyte cannot take: it handles ? only with h, l, J, K, n and c; others (the
    # kitty `? u` query, DECRQM `? Ps $ p`, XTSAVE/XTRESTORE `? s`/`? r`) leave stray text or
    # raise inside pyte. Dropped.
    r"|\[\?[\x30-\x3f]*[\x20-\x2f]*(?![hlJKnc])[\x40-\x7e]"
    # CSI with intermediates other than space and `$` (DECSTR `! p`, DECSCA `" q`, ...): pyte
    # takes the intermediate for the final byte and draws the real final byte. Dropped.
    r"|\[[\x30-\x3f]*[!-#%-/][\x20-\x2f]*[\x40-\x7e]"
    # ESC with intermediates pyte does not know (`ESC SP F`, G2/G3 designations). Dropped. So
    # is `ESC # 8` (DECALN, a VT100 alignment test that fills the whole screen for 3 bytes: a
    # flood of it stalled every pane for seconds); pyte ignores the other `ESC #` forms.
    r"|[ !\"#$&'*+\-./][\x20-\x2f]*[\x30-\x7e]"
    # Any other CSI: dispatched to pyte's own handlers, without its per-character parser.
    r"|\[(?P<params>[\x30-\x3f]*)(?P<inter>[ $]*)(?P<final>[\x40-\x7e])"
    # A CSI broken off by anything else (a control, DEL, a non-ASCII character): dropped up to
    # there, so that pyte's own parser never sees a CSI (it raises on 4,300 digits or more).
    r"|\[[\x30-\x3f]*[\x20-\x2f]*"
    r")"
)
# An escape sequence cut off at the end of a chunk: held back until the next chunk.
_INCOMPLETE = re.compile(r"\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*|[\]P_^X][^\x07]*|[\x20-\x2f]*)")
# The longest OSC/DCS/APC string taken (held back while unterminated); a longer one is thrown
# away. Far more than any link target, title or clipboard request a program sends in earnest.
_MAX_STRING = 1 << 16
# The longest unfinished CSI or escape sequence held back; beyond it the sequence is thrown away.
_MAX_SEQUENCE = 1 << 10
# 8-bit introducers of strings and control sequences, as UTF-8 brings them: written the 7-bit
# way so the pre-filter sees them (pyte would parse them itself, without any limits).
_C1_INTRODUCERS = re.compile("[\x90\x98\x9b-\x9f]")
_C1_AS_ESCAPES = str.maketrans(
    {
        "\x90": "\x1bP",
        "\x98": "\x1bX",
        "\x9b": "\x1b[",
        "\x9c": "\x1b\\",
        "\x9d": "\x1b]",
        "\x9e": "\x1b^",
        "\x9f": "\x1b_",
    }
)
# What ends a string being thrown away, and what a sequence being thrown away is made of.
_STRING_END = re.compile("[\x07\x1b]")
_SEQUENCE_REST = re.compile("[\x20-\x3f]*")
_OPENERS = ("\x1b]", "\x1bP", "\x1b_", "\x1b^", "\x1bX")


class _Stream(pyte.Stream):
    """pyte's stream plus CSI functions pyte lacks (scroll up/down, SCO save/restore, tabs, REP)."""

    csi = {
        **pyte.Stream.csi,
        "S": "scroll_up",
        "T": "scroll_down",
        "s": "sco_save_cursor",
        "u": "sco_restore_cursor",
        "I": "forward_tab",
        "Z": "backward_tab",
        "b": "repeat_last",
    }


class EscapeFilter:
    """Feeds one `PaneScreen` with a program's bytes, in whatever chunks they arrive.

    `on_title` receives the window title (OSC 0 and 2), `on_event` the requests the model does
    not act on itself (OSC 52 clipboard). Holds back an escape sequence cut off at the end of
    a chunk until the next one; throws away strings and sequences longer than any program
    sends in earnest.
    """

    def __init__(
        self,
        screen: PaneScreen,
        *,
        on_title: Callable[[str], None],
        on_event: Callable[[TerminalEvent], None],
    ) -> None:
        self._screen = screen
        self._on_title = on_title
        self._on_event = on_event
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._held = ""  # an escape sequence cut off at the end of the last chunk
        # Inside an over-long OSC/DCS "string" or CSI "sequence" being thrown away.
        self._discarding: str | None = None
        self._stream = _Stream(screen)
        # pyte ignores charset designations in "UTF-8 mode"; we decode UTF-8 ourselves, so the
        # stream can honour `ESC ( 0` (DEC line drawing, used by ncurses and dialog boxes).
        self._stream.use_utf8 = False
        self._csi_handlers: dict[str, Callable[..., None]] = {
            final: getattr(screen, name) for final, name in _Stream.csi.items()
        }
        self._csi_arity = {final: _arity(handler) for final, handler in self._csi_handlers.items()}

    def feed(self, data: bytes) -> None:
        """Decode `data` and hand it on to the screen."""
        text = self._decoder.decode(data)
        if _C1_INTRODUCERS.search(text):
            text = text.translate(_C1_AS_ESCAPES)
        held = self._held
        if held:
            if (
                held.startswith(_OPENERS)
                and held[-1] != "\x1b"
                and "\x07" not in text
                and "\x1b" not in text
            ):
                # Still inside the same unterminated string: keep it without scanning it again,
                # so that a long string fed in small chunks costs linear time.
                if len(held) + len(text) > _MAX_STRING:
                    self._held = ""
                    self._discarding = "string"
                else:
                    self._held = held + text
                return
            text = held + text
            self._held = ""
        if self._discarding:
            text = self._skip_discarded(text)
        if not text:
            return
        text = self._hold_incomplete_tail(text)
        screen = self._screen
        stream = self._stream
        draw = screen.draw
        position = 0
        search = _SPECIAL.search
        while (match := search(text, position)) is not None:
            start = match.start()
            if start > position:
                segment = text[position:start]
                # Plain text straight to the screen, as pyte's stream would, when pyte is not
                # in the middle of a sequence of its own.
                if not stream._taking_plain_text:
                    stream.feed(segment)
                elif segment.isprintable():
                    draw(segment)
                elif segment == "\r\n":
                    # The end of a line, as pyte's stream dispatches it, without its parser.
                    screen.carriage_return()
                    screen.linefeed()
                else:
                    stream.feed(segment)
            position = match.end()
            final = match["final"]
            if final == "m" and stream._taking_plain_text and screen.can_draw_styled():
                # Colour changes and the text between them in one go (FastScreen).
                end = screen.styled_run_end(text, start)
                if end > start:
                    screen.draw_styled(text, start, end)
                    position = end
                    continue
            if final is None:
                self._handle_special(match)
            elif stream._taking_plain_text:
                self._dispatch_csi(match["params"], match["inter"], final)
            else:
                stream.feed(match[0])
        if position == 0:
            stream.feed(text)
        elif position < len(text):
            stream.feed(text[position:])

    def _dispatch_csi(self, params: str, intermediates: str, final: str) -> None:
        """Call the screen's handler for a complete CSI sequence, with pyte's conventions:
        empty parameters are 0, values are capped at 9999, `?` passes `private=True`."""
        if "$" in intermediates:
            return  # pyte ignores `CSI ... $ x` forms
        handler = self._csi_handlers.get(final)
        if handler is None:
            return
        private = params.startswith("?")
        if private:
            params = params[1:]
        try:
            numbers = [
                int(number) if 0 < len(number) < 5 else _parameter(number)
                for number in params.split(";")
            ]
        except ValueError:
            return  # stray private markers or colons inside: nothing pyte would understand
        limit = self._csi_arity.get(final)
        if limit is not None and len(numbers) > limit:
            del numbers[limit:]  # extra parameters are ignored, as xterm does (pyte would raise)
        if private:
            handler(*numbers, private=True)
        else:
            handler(*numbers)

    def _hold_incomplete_tail(self, text: str) -> str:
        last_escape = text.rfind("\x1b")
        if last_escape == -1:
            return text
        cut = -1
        if last_escape == len(text) - 1:
            # A lone ESC may be the first half of the ST ending a string started earlier.
            string_start = max(text.rfind(opener, 0, last_escape) for opener in _OPENERS)
            if string_start != -1 and "\x07" not in text[string_start:last_escape]:
                if "\x1b" not in text[string_start + 1 : last_escape]:
                    cut = string_start
            if cut == -1:
                cut = last_escape
        elif _INCOMPLETE.fullmatch(text, last_escape):
            cut = last_escape
        if cut == -1:
            return text
        held = text[cut:]
        string = held.startswith(_OPENERS)
        if len(held) > (_MAX_STRING if string else _MAX_SEQUENCE):
            self._discarding = "string" if string else "sequence"
            return text[:cut]
        self._held = held
        return text[:cut]

    def _skip_discarded(self, text: str) -> str:
        """`text` after the rest of the over-long string or sequence being thrown away."""
        if self._discarding == "sequence":
            # Parameters and intermediates, then the final byte.
            end = _SEQUENCE_REST.match(text).end()  # type: ignore[union-attr]
            if end == len(text):
                return ""
            self._discarding = None
            return text[end + 1 :] if "\x40" <= text[end] <= "\x7e" else text[end:]
        match = _STRING_END.search(text)
        if match is None:
            return ""
        index = match.start()
        self._discarding = None
        if text[index] == "\x07":
            return text[index + 1 :]
        return text[index + 2 :] if text[index + 1 : index + 2] == "\\" else text[index:]

    def _handle_special(self, match: re.Match[str]) -> None:
        osc = match["osc"]
        if osc is not None:
            if len(osc) > _MAX_STRING:
                # Too long for anything a program sends in earnest: dropped. An over-long
                # hyperlink target still ends the link before it.
                if osc.startswith("8;"):
                    self._screen.link_url = None
                return
            self._handle_osc(osc)
            return
        sgr = match["colon_sgr"]
        if sgr is not None:
            params = _colon_sgr_to_semicolons(sgr)
            if params is not None:
                self._screen.select_graphic_rendition(*params)

    def _handle_osc(self, payload: str) -> None:
        command, _, rest = payload.partition(";")
        if command == "8":
            _params, _, url = rest.partition(";")
            self._screen.link_url = url or None
        elif command == "52":
            selection, _, encoded = rest.partition(";")
            if encoded == "?" or not encoded:
                return  # a query of our clipboard: never answered
            try:
                decoded = base64.b64decode(encoded, validate=False)
            except (binascii.Error, ValueError):
                return
            self._on_event(
                ClipboardRequest(selection or "c", decoded.decode("utf-8", errors="replace"))
            )
        elif command in ("0", "2"):
            self._on_title(rest)
        # Everything else (1 icon name, 10/11/12 colour queries, 7501, 133 prompts...) is
        # dropped: pyte would misread most of them.


_ARITIES: dict[object, int | None] = {}


def _arity(handler: Callable[..., None]) -> int | None:
    """How many positional parameters `handler` takes; None when there is no limit."""
    function = getattr(handler, "__func__", handler)
    if function not in _ARITIES:
        _ARITIES[function] = _count_positional(handler)
    return _ARITIES[function]


def _count_positional(handler: Callable[..., None]) -> int | None:
    count = 0
    for parameter in inspect.signature(handler).parameters.values():
        if parameter.kind == parameter.VAR_POSITIONAL:
            return None
        if parameter.name == "private":
            break  # passed by keyword, for `?` forms
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            count += 1
    return count


def _parameter(text: str) -> int:
    """A numeric parameter as pyte takes it: empty is 0, anything above 9999 is 9999.

    Never `int()` on the whole text: past 4,300 digits it raises, and below it costs time
    quadratic in the digits. Raises ValueError for anything but ASCII digits, as int() does.
    """
    digits = text.lstrip("0")
    if len(digits) > 4:
        if not (digits.isascii() and digits.isdigit()):
            raise ValueError("not a number")
        return 9999
    return int(digits) if digits else 0


def _colon_sgr_to_semicolons(params: str) -> list[int] | None:
    """`38:2::255:0:0;4:3` → [38, 2, 255, 0, 0, 4]: what pyte understands of ITU T.416 SGR."""
    result: list[int] = []
    for group in params.split(";"):
        if ":" not in group:
            result.append(_parameter(group) if group.isdigit() else 0)
            continue
        parts = group.split(":")
        head = _parameter(parts[0]) if parts[0].isdigit() else 0
        numbers = [_parameter(part) if part.isdigit() else 0 for part in parts[1:]]
        if head in (38, 48) and numbers:
            if numbers[0] == 5 and len(numbers) >= 2:
                result.extend([head, 5, numbers[1]])
            elif numbers[0] == 2 and len(numbers) >= 4:
                result.extend([head, 2, *numbers[-3:]])
        elif head == 4:
            result.append(24 if numbers and numbers[0] == 0 else 4)
        elif head != 58:
            result.append(head)
    return result or None
