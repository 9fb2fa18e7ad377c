"""The terminal model shows what a person would see on a real terminal.

Every recorded transcript is replayed through the real pyte underneath, with its resizes; the
rest feeds hand-written byte streams for the behaviours the recordings do not exercise.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clawtui import terminal
from clawtui.snapshot import ScreenText
from clawtui.terminal import Cell, ClipboardRequest, TerminalModel
from clawtui.terminal import scrollback as scrollback_module
from tests.replay import Step, Transcript, all_transcripts, load

TRANSCRIPTS = all_transcripts()


def fed(model: TerminalModel, transcript: Transcript, piece: int | None = None) -> Iterator[Step]:
    """Feed a transcript's output and its resizes to `model`, yielding each output chunk or
    resize once the model has taken it. The output goes as recorded, or re-cut into
    `piece`-byte chunks (between the same resizes)."""
    for step in transcript.steps:
        if step.kind == "out":
            size = piece or len(step.data)
            for start in range(0, len(step.data), size):
                model.feed(step.data[start : start + size])
        elif step.kind == "resize":
            assert step.size is not None
            model.resize(*step.size)
        else:
            continue
        yield step


def replay(transcript: Transcript, piece: int | None = None) -> TerminalModel:
    """The model after a transcript's whole output and its resizes."""
    model = TerminalModel(transcript.cols, transcript.rows)
    for _step in fed(model, transcript, piece):
        pass
    return model


def snapshots(transcript: Transcript) -> list[ScreenText]:
    """The snapshot after every chunk and every resize."""
    model = TerminalModel(transcript.cols, transcript.rows)
    return [model.snapshot() for _step in fed(model, transcript)]


def expected_screen(transcript: Transcript) -> list[str]:
    """The recorder's final screen (pyte 0.8.2) without the `u` pyte draws for `ESC[<u`."""
    return [
        "" if re.fullmatch(r"u+", line.rstrip()) else line.rstrip()
        for line in transcript.final_screen
    ]


def cells(model: TerminalModel) -> list[Cell]:
    return [cell for y in range(model.lines) for cell in model.screen_cells(y)]


# ---------------------------------------------------------------------------------- transcripts


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=lambda t: t.name)
def test_transcript_final_screen_matches_what_a_person_sees(transcript: Transcript) -> None:
    model = replay(transcript)

    assert model.screen_lines() == expected_screen(transcript)
    # Nothing of the filtered sequences is left on screen: no lone `u` from `ESC[<u`, no
    # OSC payloads, no raw escape or control characters.
    text = model.text()
    assert not any(re.fullmatch(r"u+", line) for line in text.splitlines())
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)
    for residue in ("8;;", "8;id=", "11;?", "7501", "rgb:", ">0q", "[<", "[?u"):
        assert residue not in text


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=lambda t: t.name)
def test_transcript_every_chunking_gives_the_same_screen(transcript: Transcript) -> None:
    # The recorded chunks, 7-byte pieces (splitting escape sequences and UTF-8 characters
    # everywhere) and, without resizes, the whole output at once all end on the same screen.
    recorded = replay(transcript)
    pieces = replay(transcript, piece=7)
    assert pieces.snapshot() == recorded.snapshot()
    assert cells(pieces) == cells(recorded)
    if not any(step.kind == "resize" for step in transcript.steps):
        whole = TerminalModel(transcript.cols, transcript.rows)
        whole.feed(transcript.output)
        assert whole.snapshot() == recorded.snapshot()


@pytest.mark.parametrize(
    "transcript", [t for t in TRANSCRIPTS if t.generation != "openclaw"], ids=lambda t: t.name
)
def test_claude_transcripts_show_welcome_and_sign_in_url(transcript: Transcript) -> None:
    # While the program waits for the code, the screen shows the welcome line, the lead-in and
    # the URL (after success claude redraws without them).
    prompting = [
        snapshot for snapshot in snapshots(transcript) if "Paste code here" in snapshot.text
    ]
    assert prompting
    text = prompting[0].text
    assert f"Welcome to Claude Code v{transcript.generation}" in text
    assert re.search(r"Use the (url|URL) below to sign in", text)
    lines = list(prompting[0].lines)
    lead_in = next(i for i, line in enumerate(lines) if re.search("(url|URL) below", line))
    url_line = next(line for line in lines[lead_in + 1 :] if line.strip())
    assert re.match(r"https://claude\.(ai|com/cai)/oauth/authorize\?", url_line.strip())


@pytest.mark.parametrize(
    "transcript", [t for t in TRANSCRIPTS if t.generation == "openclaw"], ids=lambda t: t.name
)
def test_openclaw_transcripts_show_the_prompt(transcript: Transcript) -> None:
    model = replay(transcript)

    assert "Paste token for anthropic" in model.text()
    assert "OpenClaw 2026.9.6" in model.text()


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=lambda t: t.name)
def test_no_underline_leaks_from_modify_other_keys(transcript: Transcript) -> None:
    # claude sends `ESC[>4m` (xterm modifyOtherKeys), which pyte alone takes as "underline on".
    # None of the recordings underlines anything for real.
    model = replay(transcript)
    rows = [model.screen_cells(y) for y in range(model.lines)]
    rows += [model.scrollback_cells(i) for i in range(model.scrollback_len)]
    assert not any(cell.underscore for row in rows for cell in row)
    assert all(isinstance(cell, Cell) for row in rows for cell in row)


def test_full_sign_in_link_target_is_the_whole_url() -> None:
    transcript = load("claude-setup-token-80x24-FULL_SIGN_IN_LINK")
    snapshot = replay(transcript).snapshot()
    lines = list(snapshot.lines)

    lead_in = next(i for i, line in enumerate(lines) if "Use the URL below" in line)
    url_rows: list[int] = []
    for index in range(lead_in + 1, len(lines)):
        if lines[index].startswith("https://") or (url_rows and lines[index]):
            url_rows.append(index)
        elif url_rows:
            break
    url = "".join(lines[index] for index in url_rows)
    assert url.startswith("https://claude.com/cai/oauth/authorize?code=true&client_id=")
    assert "&state=" in url
    assert len(url_rows) > 1  # the URL really is wrapped over several rows

    # Every row of the URL is covered by a link whose target is the whole URL.
    for index in url_rows:
        absolute = snapshot.row_offset + index
        row_links = [link for link in snapshot.links if link.row == absolute]
        assert row_links, f"no hyperlink on row {index}"
        assert row_links[-1].url == url
        assert (row_links[-1].start, row_links[-1].end) == (0, len(lines[index]))
    assert snapshot.links[-1].url == url


def test_short_url_link_and_link_at() -> None:
    transcript = load("claude-setup-token-80x24-FAKESERVER-400")
    model = replay(transcript)
    link = model.links[-1]
    y = link.row - model.scrolled_total

    assert model.line_text(y) == link.url
    assert model.link_at(0, y) == link
    assert model.link_at(link.end - 1, y) == link
    assert model.link_at(link.end, y) is None
    assert model.link_at(0, y + 1) is None


def test_transcript_replies_answer_the_queries() -> None:
    transcript = load("claude-setup-token-80x24-query-replies")
    replies: list[bytes] = []
    model = TerminalModel(transcript.cols, transcript.rows, respond=replies.append)
    for chunk in transcript.chunks():
        model.feed(chunk)
    # claude asks DA1 twice (`ESC[c`); OSC 11, XTVERSION and the kitty query get no answer.
    assert replies == [b"\x1b[?62;22c", b"\x1b[?62;22c"]
    assert model.take_replies() == []


def test_resize_transcript_keeps_a_consistent_screen() -> None:
    transcript = load("claude-setup-token-80x24-resize-to-60x20")
    model = TerminalModel(transcript.cols, transcript.rows)
    sizes = []
    for step in fed(model, transcript):
        if step.kind == "resize":
            sizes.append((model.columns, model.lines))
            snapshot = model.snapshot()
            assert len(snapshot.screen) == model.lines
            assert all(len(line) <= model.columns for line in snapshot.screen)
    assert sizes == [(60, 20), (120, 40)]
    assert model.screen_lines() == expected_screen(transcript)


# ---------------------------------------------------------------------------------- replies


@pytest.mark.parametrize("query", [b"\x1b[c", b"\x1b[0c"])
def test_da1_is_answered(query: bytes) -> None:
    model = TerminalModel()
    model.feed(query)
    assert model.take_replies() == [b"\x1b[?62;22c"]


def test_secondary_da_and_other_private_queries_get_no_wrong_answer() -> None:
    model = TerminalModel()
    model.feed(b"\x1b[>c\x1b[>0q\x1b[?u\x1b[=c\x1b]11;?\x07")
    assert model.take_replies() == []
    assert model.text().strip() == ""


def test_dsr_reports_cursor_position_and_status() -> None:
    replies: list[bytes] = []
    model = TerminalModel(respond=replies.append)
    model.feed(b"\x1b[5;10H\x1b[6n")
    model.feed(b"abc\x1b[6n")
    model.feed(b"\x1b[5n")
    assert replies == [b"\x1b[5;10R", b"\x1b[5;13R", b"\x1b[0n"]


# ---------------------------------------------------------------------------------- decoding


def test_utf8_character_split_across_chunks_is_kept() -> None:
    model = TerminalModel()
    data = "é ✔ 🙂 done".encode()
    for index in range(len(data)):
        model.feed(data[index : index + 1])
    assert model.line_text(0) == "é ✔ 🙂 done"
    assert model.fed == len(data)


def test_invalid_utf8_becomes_replacement_characters() -> None:
    model = TerminalModel()
    model.feed(b"a\xffb")
    assert model.line_text(0) == "a\ufffdb"


STREAM = (
    b"\x1b[38;5;174mWelcome\x1b[39m \x1b[>4m\x1b[<u\x1b[?u"
    b"\x1b]8;id=x;https://example.com/a?b=c\x07https://example.com/a?b=c\x1b]8;;\x07\r\n"
    b"\x1b]52;c;" + base64.b64encode(b"copied") + b"\x07"
    b"\x1b]0;my title\x1b\\"
    b"\x1b[1mbold \xe2\x9c\x94\x1b[0m \x1bP+q544e\x1b\\end\r\n"
)


@pytest.mark.parametrize("split", range(1, len(STREAM)))
def test_escape_sequences_split_across_chunks(split: int) -> None:
    whole = TerminalModel()
    whole.feed(STREAM)
    parts = TerminalModel()
    parts.feed(STREAM[:split])
    parts.feed(STREAM[split:])

    assert parts.screen_lines() == whole.screen_lines()
    assert parts.screen_lines()[:2] == ["Welcome https://example.com/a?b=c", "bold ✔ end"]
    assert parts.links == whole.links
    assert parts.title == "my title"
    assert parts.take_events() == [ClipboardRequest("c", "copied")]
    assert cells(parts) == cells(whole)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(STREAM) - 1), max_size=12))
def test_any_chunking_gives_the_same_screen(cuts: list[int]) -> None:
    whole = TerminalModel()
    whole.feed(STREAM)
    model = TerminalModel()
    previous = 0
    for cut in sorted(set(cuts)):
        model.feed(STREAM[previous:cut])
        previous = cut
    model.feed(STREAM[previous:])
    assert model.snapshot() == whole.snapshot()
    assert cells(model) == cells(whole)


# ---------------------------------------------------------------------------------- filtering


@pytest.mark.parametrize(
    "sequence",
    [
        b"\x1b[<u",  # kitty keyboard: pop
        b"\x1b[>1u",  # kitty keyboard: push
        b"\x1b[?u",  # kitty keyboard: query
        b"\x1b[=5;1u",  # kitty keyboard: set
        b"\x1b[>4;2m",  # xterm modifyOtherKeys
        b"\x1b[>0q",  # XTVERSION
        b"\x1b[?2026$p",  # DECRQM
        b"\x1b[!p",  # DECSTR
        b"\x1b]11;?\x07",  # background colour query
        b"\x1b]10;?\x1b\\",  # foreground colour query
        b"\x1b]7501;?\x07",
        b"\x1b]133;A\x07",  # shell integration prompt mark
        b"\x1bP+q544e\x1b\\",  # XTGETTCAP
        b"\x1b_Gf=100;AAAA\x1b\\",  # kitty graphics
    ],
)
def test_sequences_pyte_mishandles_leave_no_trace(sequence: bytes) -> None:
    model = TerminalModel()
    model.feed(b"A" + sequence + b"B")
    assert model.line_text(0) == "AB"
    assert [cell.underscore for cell in model.screen_cells(0)[:2]] == [False, False]
    assert model.title == ""


def test_colon_sgr_sets_colours_without_stray_text() -> None:
    model = TerminalModel()
    model.feed(b"\x1b[38:2::255:0:0mR\x1b[4:3mU\x1b[4:0m\x1b[38:5:21mB\x1b[0m")
    red, underlined, blue = model.screen_cells(0)[:3]
    assert model.line_text(0) == "RUB"
    assert red.fg == "ff0000"
    assert underlined.underscore and not blue.underscore
    assert blue.fg == "0000ff"


def test_osc52_becomes_an_event_and_is_not_applied() -> None:
    model = TerminalModel()
    url = "https://claude.ai/oauth/authorize?x=1"
    model.feed(b"\x1b]52;c;" + base64.b64encode(url.encode()) + b"\x07")
    model.feed(b"\x1b]52;c;?\x07")  # a query of the clipboard: dropped, never answered
    events = model.take_events()
    assert events == [ClipboardRequest("c", url)]
    assert url not in repr(events[0])
    assert model.take_events() == []
    assert model.take_replies() == []
    assert model.text().strip() == ""


def test_over_long_unterminated_string_is_discarded_not_drawn() -> None:
    model = TerminalModel()
    model.feed(b"before\x1b]52;c;")
    payload = base64.b64encode(b"x" * 1_200_000)
    for start in range(0, len(payload), 65536):
        model.feed(payload[start : start + 65536])
    model.feed(b"\x07 after")
    assert model.line_text(0) == "before after"
    assert model.take_events() == []


def test_full_reset_clears_the_screen_but_keeps_scrollback() -> None:
    model = TerminalModel(20, 3)
    model.feed(b"old\r\n1\r\n2\r\n3\x1b[?1049h\x1b[?2004h\x1bc")
    assert not model.alternate_screen and not model.bracketed_paste
    assert model.screen_lines() == ["", "", ""]
    assert model.snapshot().scrollback == ("old",)
    model.feed(b"new")
    assert model.line_text(0) == "new"


def test_scroll_up_and_down_functions() -> None:
    model = TerminalModel(10, 3)
    model.feed(b"a\r\nb\r\nc\x1b[2S")
    assert model.screen_lines() == ["c", "", ""]
    assert model.snapshot().scrollback == ("a", "b")
    model.feed(b"\x1b[1T")
    assert model.screen_lines() == ["", "c", ""]


def test_titles() -> None:
    model = TerminalModel()
    model.feed(b"\x1b]2;first\x07")
    assert model.title == "first"
    model.feed(b"\x1b]0;second\x1b\\")
    assert model.title == "second"


def test_dec_line_drawing_charset() -> None:
    model = TerminalModel()
    model.feed(b"\x1b(0lqqk\x1b(B ok")
    assert model.line_text(0) == "┌──┐ ok"


def test_repeat_previous_character() -> None:
    model = TerminalModel()
    model.feed(b"ab\x1b[3bc")
    assert model.line_text(0) == "abbbbc"


def test_zero_width_characters_do_not_cut_the_line() -> None:
    # pyte alone stops drawing at a zero-width joiner or a variation selector.
    model = TerminalModel()
    model.feed("ok ✔️ next\u200b done".encode())
    assert model.line_text(0) == "ok ✔ next done"


def test_conceal_is_tracked_and_hidden_in_text() -> None:
    model = TerminalModel()
    model.feed(b"a\x1b[7m\x1b[8m_\x1b[28m\x1b[27mb \x1b[38;5;8mgrey\x1b[0m")
    a, cursor, b, _space, grey = model.screen_cells(0)[:5]
    assert cursor.conceal and cursor.reverse and cursor.data == "_"
    assert not (a.conceal or b.conceal)
    assert not grey.conceal  # 38;5;8 is a colour, not SGR 8
    assert model.line_text(0) == "a b grey"


def test_wide_characters() -> None:
    model = TerminalModel(10, 3)
    model.feed("日本x".encode())
    row = model.screen_cells(0)
    assert [cell.data for cell in row[:5]] == ["日", "", "本", "", "x"]
    assert model.line_text(0) == "日本x"
    assert model.cursor == (5, 0)


# ---------------------------------------------------------------------------------- modes


def test_modes_are_tracked() -> None:
    model = TerminalModel()
    assert not model.bracketed_paste and not model.app_cursor and model.cursor_visible
    assert model.mouse_tracking is None and not model.mouse_sgr and not model.focus_events

    model.feed(b"\x1b[?2004h\x1b[?1h\x1b[?1000h\x1b[?1006h\x1b[?1004h\x1b[?25l")
    assert model.bracketed_paste and model.app_cursor
    assert model.mouse_tracking == 1000 and model.mouse_sgr and model.focus_events
    assert not model.cursor_visible

    model.feed(b"\x1b[?1003h")
    assert model.mouse_tracking == 1003
    model.feed(b"\x1b[?1003l\x1b[?1000l\x1b[?2004l\x1b[?1l\x1b[?25h\x1b[?1006l\x1b[?1004l")
    assert model.mouse_tracking is None
    assert not model.bracketed_paste and not model.app_cursor and model.cursor_visible
    assert not model.mouse_sgr and not model.focus_events


def test_deccolm_does_not_resize_the_screen() -> None:
    model = TerminalModel(80, 24)
    model.feed(b"\x1b[?3h")
    assert (model.columns, model.lines) == (80, 24)


# ---------------------------------------------------------------------------------- screens


def test_alternate_screen_round_trip_restores_content_and_cursor() -> None:
    model = TerminalModel(40, 10)
    model.feed(b"main line 1\r\nmain line 2\x1b[3;7H")
    before = model.snapshot()
    before_cells = cells(model)

    model.feed(b"\x1b[?1049h")
    assert model.alternate_screen
    assert model.screen_lines() == [""] * 10
    model.feed(b"\x1b[Hfull screen app" + b"\r\n" * 30 + b"bottom")
    assert "full screen app" not in model.text()  # scrolled off the alternate screen...
    assert model.scrollback_len == 0  # ...which has no scrollback

    model.feed(b"\x1b[?1049l")
    assert not model.alternate_screen
    assert model.snapshot().lines == before.lines
    assert model.snapshot().cursor == before.cursor == (6, 2)
    assert cells(model) == before_cells


@pytest.mark.parametrize("mode", [b"47", b"1047"])
def test_other_alternate_screen_modes(mode: bytes) -> None:
    model = TerminalModel(20, 5)
    model.feed(b"main")
    model.feed(b"\x1b[?" + mode + b"h\x1b[Halt")
    assert model.line_text(0) == "alt"
    model.feed(b"\x1b[?" + mode + b"l")
    assert model.line_text(0) == "main"
    model.feed(b"\x1b[?" + mode + b"h")
    # xterm: 47 keeps the alternate buffer, 1047 clears it when leaving.
    assert model.line_text(0) == ("alt" if mode == b"47" else "")


def test_take_dirty_reports_changed_rows_once() -> None:
    model = TerminalModel(20, 5)
    model.take_dirty()
    model.feed(b"\x1b[3;1Hhello")
    assert model.take_dirty() == {2}
    assert model.take_dirty() == set()
    model.resize(20, 4)
    assert model.take_dirty() == {0, 1, 2, 3}


# ---------------------------------------------------------------------------------- scrollback


def test_scrollback_keeps_rows_with_their_attributes() -> None:
    model = TerminalModel(20, 3)
    model.feed(b"\x1b[31mred\x1b[0m plain\r\nline 2\r\nline 3\r\nline 4")
    snapshot = model.snapshot()
    assert snapshot.scrollback == ("red plain",)
    assert snapshot.screen == ("line 2", "line 3", "line 4")
    assert snapshot.screen_start == 1
    row = model.scrollback_cells(0)
    assert len(row) == 20
    assert [cell.fg for cell in row[:4]] == ["red", "red", "red", "default"]
    assert "".join(cell.data for cell in row).rstrip() == "red plain"


def test_scrollback_limit_drops_the_oldest_rows() -> None:
    model = TerminalModel(20, 5, scrollback=10)
    model.feed(b"\r\n".join(f"line {number}".encode() for number in range(50)))
    snapshot = model.snapshot()
    assert len(snapshot.scrollback) == 10
    assert snapshot.scrollback[0] == "line 35"
    assert snapshot.screen[-1] == "line 49"
    assert model.scrolled_total == 45
    assert snapshot.row_offset == 35  # absolute number of lines[0]


def test_scroll_region_does_not_feed_scrollback() -> None:
    model = TerminalModel(20, 5)
    model.feed(b"header\x1b[2;5r\x1b[5;1H" + b"x\r\n" * 10)
    assert model.scrollback_len == 0
    assert model.line_text(0) == "header"
    model.feed(b"\x1b[r\x1b[5;1H\r\n")
    assert model.scrollback_len == 1
    assert model.scrollback_text(0) == "header"


def test_erase_scrollback_request_keeps_scrollback() -> None:
    # ED 3 would clear xterm's scrollback; a token there must not be lost before it is saved.
    model = TerminalModel(20, 3)
    model.feed(b"keep me\r\n2\r\n3\r\n4\x1b[2J\x1b[3J")
    assert model.snapshot().scrollback == ("keep me",)
    assert model.screen_lines() == ["", "", ""]


def test_hyperlink_rows_stay_valid_while_scrolling() -> None:
    model = TerminalModel(30, 3)
    model.feed(b"\x1b]8;;https://x.test/\x07link\x1b]8;;\x07 after\r\n")
    model.feed(b"a\r\nb\r\nc\r\nd")
    link = model.links[-1]
    snapshot = model.snapshot()
    assert snapshot.lines[link.row - snapshot.row_offset][link.start : link.end] == "link"
    assert model.link_at(0, 0) is None  # the linked row has scrolled off the screen


def test_autowrap_is_remembered_per_row() -> None:
    model = TerminalModel(10, 4)
    model.feed(b"0123456789abc\r\nshort\r\n")
    assert [model.row_wrapped(y) for y in range(4)] == [True, False, False, False]
    # The mark moves with the row into the scrollback...
    model.feed(b"x\r\ny\r\nz")
    assert model.scrollback_wrapped(0) and not model.scrollback_wrapped(1)
    # ...and erasing a row clears it.
    model.feed(b"\x1b[Hwrapping-again!\x1b[1;1H\x1b[2K")
    assert not model.row_wrapped(0)


def test_autowrap_of_wide_text_is_remembered() -> None:
    model = TerminalModel(6, 3)
    model.feed("日本語日本".encode())
    assert model.row_wrapped(0) and not model.row_wrapped(1)


# ---------------------------------------------------------------------------------- resize


def test_shrinking_keeps_the_cursor_row_and_moves_top_rows_to_scrollback() -> None:
    model = TerminalModel(30, 10)
    model.feed(b"\r\n".join(f"row {number}".encode() for number in range(8)))
    assert model.cursor == (5, 7)

    model.resize(20, 5)
    assert (model.columns, model.lines) == (20, 5)
    assert model.cursor == (5, 4)
    assert model.screen_lines() == ["row 3", "row 4", "row 5", "row 6", "row 7"]
    assert model.snapshot().scrollback == ("row 0", "row 1", "row 2")

    model.feed(b"!")
    assert model.line_text(4) == "row 7!"


def test_shrinking_drops_empty_rows_below_the_cursor_first() -> None:
    model = TerminalModel(30, 10)
    model.feed(b"top\r\nsecond")
    model.resize(30, 4)
    assert model.screen_lines() == ["top", "second", "", ""]
    assert model.scrollback_len == 0
    assert model.cursor == (6, 1)


def test_narrowing_clips_columns_and_widening_keeps_content() -> None:
    model = TerminalModel(20, 3)
    model.feed(b"0123456789abcdefghij")
    model.resize(10, 3)
    assert model.line_text(0) == "0123456789"
    assert model.cursor == (9, 0)
    model.resize(30, 3)
    model.feed(b"\x1b[1;12HX")
    assert model.line_text(0) == "0123456789 X"


def test_resize_in_alternate_screen_resizes_the_main_screen_too() -> None:
    model = TerminalModel(20, 6)
    model.feed(b"\r\n".join(f"m{number}".encode() for number in range(6)))
    model.feed(b"\x1b[?1049h\x1b[Halt")
    model.resize(20, 3)
    assert model.line_text(0) == "alt"
    model.feed(b"\x1b[?1049l")
    assert model.screen_lines() == ["m3", "m4", "m5"]
    assert model.snapshot().scrollback == ("m0", "m1", "m2")
    assert model.cursor == (2, 2)


def test_snapshot_is_plain_data() -> None:
    model = TerminalModel(20, 4)
    model.feed(b"hello\r\nworld")
    snapshot = model.snapshot()
    assert isinstance(snapshot, ScreenText)
    assert snapshot.lines == ("hello", "world", "", "")
    assert snapshot.columns == 20
    assert snapshot.fed == 12
    assert snapshot.cursor == (5, 1)
    assert snapshot.text == model.text()


def test_core_modules_do_not_import_textual() -> None:
    # The model, key encoding and redaction are headless: the CLI and the flow use them too.
    code = (
        "import sys, clawtui.terminal, clawtui.keys, clawtui.redact; "
        "sys.exit('textual' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ---------------------------------------------------------------------------------- lazy scrollback
# Rows that scroll off stay raw until something reads them. Whatever reads them must see what
# it saw when every row was compacted as it scrolled: `eager` models do exactly that.


def eager(columns: int, lines: int, *, scrollback: int | None = None) -> TerminalModel:
    """A model that compacts every row the moment it scrolls off (no raw rows wait)."""
    model = (
        TerminalModel(columns, lines)
        if scrollback is None
        else TerminalModel(columns, lines, scrollback=scrollback)
    )
    model._scrollback.pending_limit = 0
    return model


ScrollbackState = tuple[list[tuple[str, bool, list[Cell]]], list[object], ScreenText, int]


def scrollback_state(model: TerminalModel) -> ScrollbackState:
    """Everything a reader can get about the scrollback: each row on its own (newest first, the
    way the widget reads), then all rows at once, and the snapshot."""
    rows = [
        (model.scrollback_text(i), model.scrollback_wrapped(i), model.scrollback_cells(i))
        for i in reversed(range(model.scrollback_len))
    ]
    return rows, list(model.scrollback_rows()), model.snapshot(), model.scrolled_total


def feed_in_chunks(models: list[TerminalModel], data: bytes, size: int = 4096) -> None:
    for start in range(0, len(data), size):
        for model in models:
            model.feed(data[start : start + size])


_COLOURS = ("black", "red", "green", "brown", "blue", "magenta", "cyan", "white")


def test_flood_far_past_the_limit_keeps_the_last_rows_with_their_colours() -> None:
    rows = 12_000
    data = b"".join(
        b"\x1b[3%dm%05d\x1b[0m flooding the pane\r\n" % (number % 8, number)
        for number in range(rows)
    )
    model = TerminalModel(40, 6, scrollback=500)
    reference = eager(40, 6, scrollback=500)
    feed_in_chunks([model, reference], data)

    # The last five rows are on screen (the sixth is the empty cursor row).
    assert model.scrolled_total == rows - 5
    assert model.scrollback_len == 500
    first = rows - 5 - 500
    snapshot = model.snapshot()
    assert snapshot.scrollback == tuple(
        f"{number:05d} flooding the pane" for number in range(first, rows - 5)
    )
    assert snapshot.row_offset == first
    for index in (0, 1, 250, 498, 499):
        number = first + index
        cells = model.scrollback_cells(index)
        assert len(cells) == 40
        assert "".join(cell.data for cell in cells).rstrip() == f"{number:05d} flooding the pane"
        assert [cell.fg for cell in cells[:6]] == [_COLOURS[number % 8]] * 5 + ["default"]
    assert scrollback_state(model) == scrollback_state(reference)


def test_a_flood_compacts_only_the_rows_that_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # The point of keeping rows raw: a flood nobody reads costs no compaction at all, even for
    # the rows the limit drops (the CPU a flooded pane spent there was a third of its total).
    compacted: list[int] = []
    real_compact = scrollback_module.compact

    def counting_compact(*args: Any) -> terminal.ScrollbackRow:
        compacted.append(1)
        return real_compact(*args)

    monkeypatch.setattr(scrollback_module, "compact", counting_compact)
    model = TerminalModel(40, 6, scrollback=500)
    feed_in_chunks([model], b"flooding-the-pane\r\n" * 12_000)
    assert model.scrollback_len == 500 and not compacted

    assert model.scrollback_text(499) == "flooding-the-pane"
    assert model.scrollback_cells(0)[0].data == "f"
    assert len(compacted) == 2
    model.scrollback_wrapped(499)  # already compacted: kept, not redone
    assert len(compacted) == 2
    model.snapshot()
    assert len(compacted) == 500
    model.text()
    assert len(compacted) == 500


@pytest.mark.parametrize(
    ("line", "lines"),
    # ASCII; box drawing (cells pyte makes one by one), one row and two rows long.
    [(b"y" * 119, 5000), (("\u2500" * 119 + "\r\n" + "\u2500" * 130).encode(), 600)],
    ids=["ascii", "box-drawing"],
)
def test_a_flood_of_wide_rows_keeps_memory_bounded(line: bytes, lines: int) -> None:
    # Rows waiting raw cost ~4 times their compact form (box drawing too: its characters are
    # shared, not one string per cell): only so many may wait (~7 MB). Letting every row wait
    # raw would hold 10.5 MB here.
    model = TerminalModel(120, 10)
    data = (line + b"\r\n") * lines
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for start in range(0, len(data), 65536):
            model.feed(data[start : start + 65536])
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert model.scrolled_total > 1500
    assert grown < 9_000_000


def test_reading_during_a_flood_changes_nothing() -> None:
    # Coloured rows, rows that wrap and wide characters, read the way the widget and the flow
    # read them while the flood goes on, end up exactly as when nothing read them before.
    lines = []
    for number in range(3000):
        if number % 7 == 0:
            lines.append(b"\x1b[1;3%dm%d wraps " % (number % 8, number) + b"=" * 50 + b"\x1b[0m")
        elif number % 5 == 0:
            lines.append(f"{number} 日本語 ✔ wide".encode())
        else:
            lines.append(b"\x1b[38;5;%dm%d\x1b[0m plain" % (number % 256, number))
    data = b"\r\n".join(lines)
    busy = TerminalModel(30, 5, scrollback=300)
    quiet = TerminalModel(30, 5, scrollback=300)
    crowded = TerminalModel(30, 5, scrollback=300)
    # Only a few rows may wait raw: the rest compact as they go.
    crowded._scrollback.pending_limit = 200
    reference = eager(30, 5, scrollback=300)
    for number, start in enumerate(range(0, len(data), 997)):
        for model in (busy, quiet, crowded, reference):
            model.feed(data[start : start + 997])
        for each in (busy, crowded):
            newest = each.scrollback_len - 1
            if newest >= 0:
                each.scrollback_cells(newest)
                each.scrollback_wrapped(max(0, newest - 3))
                each.scrollback_text(newest // 2)
            if number % 10 == 0:
                each.snapshot()
    assert busy.scrollback_len == 300
    expected = scrollback_state(reference)
    assert scrollback_state(busy) == scrollback_state(quiet) == expected
    assert scrollback_state(crowded) == expected


def test_rows_waiting_through_resizes_keep_the_width_they_scrolled_at() -> None:
    model = TerminalModel(20, 5)
    reference = eager(20, 5)
    both = [model, reference]

    def feed(data: bytes) -> None:
        for each in both:
            each.feed(data)

    def resize(columns: int, lines: int) -> None:
        for each in both:
            each.resize(columns, lines)

    feed(b"0123456789abcdefghij\r\nsecond\r\nthird\r\nfourth\r\nfifth")
    resize(10, 2)  # the top three rows go to the scrollback at their 20-column width...
    feed(b"\r\nsixth\r\nseventh")  # ...and the next ones scroll at 10 columns
    assert model.snapshot().scrollback == (
        "0123456789abcdefghij",
        "second",
        "third",
        "fourth",
        "fifth",
    )
    assert model.scrollback_cells(0)[19].data == "j"  # padded to the screen, never clipped

    # ICH pushes the last cell past the right edge, where pyte keeps it and nobody sees it.
    ich_row = b"\x1b[2J\x1b[H0123456789\x1b[1;1H\x1b[@\x1b[2;1H\r\n"
    feed(ich_row)  # scrolls at 10 columns, its last cell hidden
    resize(20, 2)
    feed(ich_row)  # scrolls at 20 columns, keeping all eleven characters
    assert model.scrollback_text(-2) == " 012345678"
    resize(10, 2)
    assert model.scrollback_text(-1) == " 0123456789"
    assert scrollback_state(model) == scrollback_state(reference)


def test_alternate_screen_leaves_waiting_rows_alone() -> None:
    model = TerminalModel(20, 6)
    reference = eager(20, 6)
    before = b"".join(b"\x1b[3%dmmain %d\x1b[0m\r\n" % (n % 8, n) for n in range(40))
    for each in (model, reference):
        each.feed(before)
        # A full-screen program floods the alternate screen, which has no scrollback...
        each.feed(b"\x1b[?1049h" + b"alternate flood\r\n" * 100)
        each.resize(20, 3)  # ...and a resize there pushes main rows above the cursor
        each.feed(b"\x1b[?1049l\x1b[?47hkept alt\r\n" * 3 + b"\x1b[?47l")
        each.feed(b"after\r\n" * 4)
    scrollback = model.snapshot().scrollback
    assert scrollback[:35] == tuple(f"main {n}" for n in range(35))
    assert "alternate flood" not in model.text() and "kept alt" not in model.text()
    assert [cell.fg for cell in model.scrollback_cells(34)[:4]] == [_COLOURS[34 % 8]] * 4
    assert scrollback_state(model) == scrollback_state(reference)


def test_a_waiting_row_blanked_after_wrapping_does_not_read_as_wrapped() -> None:
    # ECH blanks the row without clearing its autowrap mark; a blank row in the scrollback has
    # never counted as wrapped, so neither does one that waited raw.
    model = TerminalModel(10, 3)
    model.feed(b"0123456789abc\x1b[1;1H\x1b[99X\x1b[3;1H\r\n")
    assert model.scrollback_len == 1
    assert not model.scrollback_wrapped(0)
    assert model.scrollback_text(0) == ""


_PIECES = [
    b"abc ",
    b"x" * 23,
    b"\r\n",
    b"\n",
    "日本".encode(),
    "é\u0301 ✔".encode(),
    "\u0301".encode(),
    ("─" * 9).encode(),
    b"\x1b[31m",
    b"\x1b[1;44m",
    b"\x1b[0m",
    b"\x1b[8mhidden\x1b[28m",
    b"\x1b]8;;https://x.test/\x07link\x1b]8;;\x07",
    b"\x1b[2J",
    b"\x1b[3J",
    b"\x1b[K",
    b"\x1b[1K",
    b"\x1b[2K",
    b"\x1b[3@",
    b"\x1b[2P",
    b"\x1b[2X",
    b"\x1b[99X",
    b"\x1b[A",
    b"\x1b[99G",
    b"\x1b[L",
    b"\x1b[M",
    b"\x1b[2;4r",
    b"\x1b[r",
    b"\x1b[H",
    b"\x1b[99;1H",
    b"\x1b[99;99H",
    b"\x1bD",
    b"\x1bM",
    b"\x1b[2S",
    b"\x1b[2T",
    b"\x1b[?1049h",
    b"\x1b[?1049l",
    b"\x1b[?47h",
    b"\x1b[?47l",
    b"\x1b#8",
    b"\x1bc",
    b"\x1b[?7l",
    b"\x1b[?7h",
    b"\x1b[4h",
    b"\x1b[4l",
    b"\x1b(0lqk\x1b(B",
    b"\x1b[?5h",
    b"\x1b[?5l",
    b"\x1b[3b",
]
_ACTIONS = st.one_of(
    st.sampled_from(_PIECES),
    st.tuples(st.integers(1, 24), st.integers(1, 7)),  # a resize
    st.integers(-40, 40),  # read scrollback row (negative: from the newest end)
    st.just("snapshot"),
)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 24),
    st.integers(1, 7),
    st.sampled_from([3, 40, 5000]),
    st.sampled_from([1, 30, 1 << 17]),  # room for raw rows: hardly any, some, the default
    st.lists(_ACTIONS, max_size=80),
)
def test_any_stream_reads_the_same_as_compacting_at_once(
    columns: int, lines: int, limit: int, room: int, actions: list[object]
) -> None:
    model = TerminalModel(columns, lines, scrollback=limit)
    model._scrollback.pending_limit = room
    reference = eager(columns, lines, scrollback=limit)
    for action in actions:
        if isinstance(action, bytes):
            model.feed(action)
            reference.feed(action)
        elif isinstance(action, tuple):
            model.resize(*action)
            reference.resize(*action)
        elif isinstance(action, int):
            if -model.scrollback_len <= action < model.scrollback_len:
                assert model.scrollback_cells(action) == reference.scrollback_cells(action)
        else:
            assert model.snapshot() == reference.snapshot()
    assert scrollback_state(model) == scrollback_state(reference)
