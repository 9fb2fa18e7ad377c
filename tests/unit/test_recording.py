"""Masked recordings: asciicast files that play back like the live pane, minus the secrets.

The recorder masks the byte stream as it writes it, so the tests feed it the real programs'
output (tests/data transcripts) cut into random chunks, then check three things: the file is
asciicast v2, it never holds the token or the customer's code, and played back through
clawtui's terminal model it gives the live pane's final screen with those secrets as `•`.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clawtui.oauth import find_token
from clawtui.recording import HOLD, CastWriter, StreamMasker, last_recording, read_cast
from clawtui.redact import BULLET, TOKEN_PREFIX, find_secret_spans
from clawtui.terminal import TerminalModel
from tests.replay import load

# claude 2.1.332 and 2.1.197 printing a token (hard-wrapped over two lines). Both recordings
# show the pasted code masked (`***********gstate`); the tests put a fabricated code there in
# clear, as 2.1.197 echoes it on other builds.
TRANSCRIPTS = [
    "claude-setup-token-80x24-FAKESERVER-200",
    "claude2.1.197-setup-token-80x24-FAKESERVER-200",
]
MASKED_ECHO = b"***********gstate"


def fabricated_code() -> tuple[str, str]:
    """(CODE#STATE, its secret half): as long as the echo it replaces."""
    code = secrets.token_urlsafe(16)[:10].replace("#", "x")
    state = secrets.token_urlsafe(8)[:6]
    return f"{code}#{state}", code


def session(name: str) -> tuple[bytes, int, int, str, str]:
    """(output with the code echoed in clear, columns, lines, token, code's secret half)."""
    transcript = load(name)
    full, code = fabricated_code()
    assert len(full) == len(MASKED_ECHO)
    output = transcript.output.replace(MASKED_ECHO, full.encode())
    assert full.encode() in output
    live = TerminalModel(transcript.cols, transcript.rows)
    live.feed(output)
    capture = find_token(live.snapshot())
    assert capture is not None
    return output, transcript.cols, transcript.rows, capture.token.reveal(), code


def record(
    path: Path, output: bytes, columns: int, lines: int, sizes: list[int], code: str
) -> None:
    writer = CastWriter(path, columns, lines)
    writer.add_secret(code)  # the runner registers the code before sending it
    start = 0
    for size in sizes * (len(output) // max(1, sum(sizes)) + 1):
        if start >= len(output):
            break
        writer.write(output[start : start + size])
        start += size
    writer.write(output[start:])
    writer.close()


def played_back(path: Path) -> TerminalModel:
    cast = read_cast(path)
    model = TerminalModel(cast.width, cast.height)
    for _, kind, data in cast.events:
        assert kind == "o"
        model.feed(data.encode("utf-8"))
    return model


def masked_screen(live: TerminalModel, code: str) -> list[str]:
    """The live pane's screen as the recording must show it: token and code as bullets."""
    rows = [list(line.ljust(live.columns)) for line in live.screen_lines()]
    for row, start, end in find_secret_spans(live.screen_lines(), live.columns):
        rows[row][start:end] = BULLET * (end - start)
    text = ["".join(row).rstrip() for row in rows]
    return [line.replace(code, BULLET * len(code)) for line in text]


def assert_holds_no_secret(data: str, token: str, code: str) -> None:
    body = token[len(TOKEN_PREFIX) : -4]  # the last 4 stay visible, as in the panes
    for start in range(len(body) - 8):
        assert body[start : start + 8] not in data, "a piece of the token is in the file"
    assert code not in data


def token_split_points(output: bytes, token: str) -> list[int]:
    """Chunk sizes that cut the token in its first line and in the line break after it."""
    first = output.index(TOKEN_PREFIX.encode())
    second = output.index(token[-6:].encode())  # on the continuation line
    return [first + 20, second - first - 22, 3, 7]


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_a_token_split_across_chunks_and_a_wrapped_line_is_masked(
    tmp_path: Path, name: str
) -> None:
    output, columns, lines, token, code = session(name)
    path = tmp_path / "setup.cast"
    record(path, output, columns, lines, token_split_points(output, token), code)
    data = path.read_text(encoding="utf-8")
    assert_holds_no_secret(data, token, code)
    live = TerminalModel(columns, lines)
    live.feed(output)
    replay = played_back(path)
    assert [line.rstrip() for line in replay.screen_lines()] == masked_screen(live, code)
    assert any(TOKEN_PREFIX + BULLET in line for line in replay.screen_lines())


@pytest.mark.parametrize("name", TRANSCRIPTS)
@pytest.mark.parametrize("into", [1, 40, "separator", "continuation"])
def test_a_token_where_the_held_tail_is_cut_is_masked(
    tmp_path: Path, name: str, into: int | str
) -> None:
    """A long session: the masker writes all but its held tail while the token is arriving."""
    output, columns, lines, token, code = session(name)
    filler = b"".join(b"log line %d\r\n" % number for number in range(HOLD // 5))
    output = filler + output + filler  # enough after the token for the cut to fall in it
    text = output.decode("utf-8")  # the masker counts characters, not bytes
    start = text.index(TOKEN_PREFIX)
    continuation = text.index(token[-6:]) - start
    named = {"separator": continuation - 8, "continuation": continuation + 2}
    offset = into if isinstance(into, int) else named[into]
    # The first chunk ends so that the masker's cut (its length minus HOLD) falls in the token.
    first = len(text[: start + offset + HOLD].encode("utf-8"))
    path = tmp_path / "setup.cast"
    record(path, output, columns, lines, [first, len(output)], code)
    data = path.read_text(encoding="utf-8")
    assert_holds_no_secret(data, token, code)
    live = TerminalModel(columns, lines)
    live.feed(output)
    assert [line.rstrip() for line in played_back(path).screen_lines()] == masked_screen(live, code)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(TRANSCRIPTS),
    sizes=st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=40),
)
@example(name=TRANSCRIPTS[0], sizes=[1])
def test_random_chunk_splits_play_back_to_the_live_screen_masked(
    name: str, sizes: list[int]
) -> None:
    output, columns, lines, token, code = session(name)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "setup.cast"
        record(path, output, columns, lines, sizes, code)
        data = path.read_text(encoding="utf-8")
        replay = played_back(path)
    assert_holds_no_secret(data, token, code)
    live = TerminalModel(columns, lines)
    live.feed(output)
    assert [line.rstrip() for line in replay.screen_lines()] == masked_screen(live, code)


@given(sizes=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=20))
def test_a_token_inside_an_osc8_link_target_and_text_is_masked(sizes: list[int]) -> None:
    token = TOKEN_PREFIX + secrets.token_urlsafe(72)[:95]
    first, rest = token[:60], token[60:]
    link = f"\x1b]8;id=t1;https://example.test/t?v={token}\x07"
    stream = (
        "Your OAuth token (valid for 1 year):\r\n\r\n"
        f"{link} {first}\x1b]8;;\x07\r\n"
        f"{link} {rest}\x1b]8;;\x07\r\n\r\n"
        "Store this token securely.\r\n"
    )
    masker = StreamMasker()
    pieces: list[tuple[float, str]] = []
    start, step = 0, 0
    while start < len(stream):
        size = sizes[step % len(sizes)]
        pieces += masker.feed(stream[start : start + size], float(step))
        start, step = start + size, step + 1
    pieces += masker.close()
    written = "".join(text for _, text in pieces)
    assert len(written) == len(stream)  # one bullet a character: the layout stays
    assert_holds_no_secret(written, token, "-never-")
    model = TerminalModel(80, 24)
    model.feed(written.encode())
    assert all(token[20:40] not in link.url for link in model.links)
    assert model.screen_lines()[5].startswith("Store this token securely.")


def test_held_text_keeps_its_time_and_everything_is_written_at_close() -> None:
    masker = StreamMasker()
    assert masker.feed("hello ", 1.0) == []  # held: less than the bound
    assert masker.feed(TOKEN_PREFIX + "abc", 2.0) == []
    pieces = masker.close()
    assert pieces[0] == (1.0, "hello ")
    assert pieces[1][0] == 2.0 and pieces[1][1].startswith(TOKEN_PREFIX + BULLET)
    big = "x" * (3 * HOLD)
    written = masker.feed(big, 3.0)
    assert 0 < sum(len(text) for _, text in written) <= len(big)  # bounded hold, no waiting


def test_the_file_is_asciicast_v2(tmp_path: Path) -> None:
    path = tmp_path / "BOX" / "x-setup.cast"
    writer = CastWriter(path, 80, 24, title="clawtui acme-prod setup")
    writer.write("héllo".encode()[:2])  # a UTF-8 character split across chunks
    writer.write("héllo".encode()[2:] + b"\r\n")
    writer.resize(100, 30)
    writer.close()
    header, *events = [json.loads(line) for line in path.read_text().splitlines()]
    assert header["version"] == 2 and header["width"] == 80 and header["height"] == 24
    assert isinstance(header["timestamp"], int)
    assert "".join(e[2] for e in events if e[1] == "o") == "héllo\r\n"
    assert events[-1][1:] == ["r", "100x30"]
    assert all(isinstance(e[0], float) for e in events)
    assert path.stat().st_mode & 0o777 == 0o600
    assert last_recording(tmp_path, "BOX") == path
