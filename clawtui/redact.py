"""Masking secrets wherever text leaves the program: logs, error messages, the screen.

The OAuth token `claude setup-token` prints is worth a year of the customer's subscription and
can be shown only once. clawtui keeps the real text in its terminal models (the flow must read
it), so masking happens at the edges: `redact()` for free text such as log lines and exception
messages, and `find_secret_spans()` for a grid of terminal rows, which the terminal widget uses
when it paints (so screenshots and SVG exports are masked too).

claude hard-wraps the token across lines with one leading space on each line; a terminal may
also wrap it at the right edge. Both are handled: a token at the end of a row continues on the
next row when that row holds one space and nothing but token characters (claude's way, and it
still holds after the pane was resized), or when the terminal wrapped the row.

Pure: no I/O, no Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

__all__ = [
    "BULLET",
    "TOKEN_PREFIX",
    "TOKEN_ALPHABET",
    "Masker",
    "SecretPattern",
    "default_masker",
    "find_secret_spans",
    "mask_token",
    "redact",
]

TOKEN_PREFIX = "sk-ant-oat01-"
TOKEN_ALPHABET = "A-Za-z0-9_-"  # a regex character-class body
BULLET = "•"
_TOKEN_CHAR = re.compile(f"[{TOKEN_ALPHABET}]")
_SHOW_LAST = 4
# Below this many characters after the prefix, the last four would give away too much of the
# secret: nothing after the prefix is shown.
_MIN_HIDDEN = 12


@dataclass(frozen=True, slots=True)
class SecretPattern:
    """A kind of secret: its regex, and how many characters stay visible at each end.

    `pattern` must match the whole secret on one logical line; `chars` is the alphabet a secret
    wrapped across rows continues with (a regex character-class body).
    """

    pattern: re.Pattern[str]
    keep_start: int = 0
    keep_end: int = 0
    chars: str = TOKEN_ALPHABET

    def visible(self, length: int) -> tuple[int, int]:
        """(characters kept at the start, at the end) of a secret `length` long."""
        start = min(self.keep_start, length)
        end = self.keep_end if length - start - self.keep_end >= _MIN_HIDDEN else 0
        return start, end

    def mask(self, secret: str) -> str:
        start, end = self.visible(len(secret))
        tail = secret[len(secret) - end :] if end else ""
        return f"{secret[:start]}{BULLET * 4}…{tail}"  # the form clawtui.secret.Token shows


TOKEN_PATTERN = SecretPattern(
    re.compile(re.escape(TOKEN_PREFIX) + f"[{TOKEN_ALPHABET}]+"),
    keep_start=len(TOKEN_PREFIX),
    keep_end=_SHOW_LAST,
)


def mask_token(token: str) -> str:
    """`sk-ant-oat01-••••…AbCd`: the prefix, bullets and the last 4 characters.

    Tokens with fewer than 16 characters after the prefix show no tail (`sk-ant-oat01-••••…`).
    """
    return TOKEN_PATTERN.mask(token)


class Masker:
    """Finds and masks secrets. Holds the token pattern plus any registered extra patterns."""

    def __init__(self, patterns: Iterable[SecretPattern] = (TOKEN_PATTERN,)) -> None:
        self._patterns: list[SecretPattern] = list(patterns)
        self._compile()

    def register(
        self,
        pattern: str | re.Pattern[str],
        *,
        keep_start: int = 0,
        keep_end: int = 0,
        chars: str = TOKEN_ALPHABET,
    ) -> None:
        """Also mask whatever `pattern` matches (e.g. an API key format)."""
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
        self._patterns.append(SecretPattern(compiled, keep_start, keep_end, chars))
        self._compile()

    def _compile(self) -> None:
        # For free text: each secret, optionally continued on following lines that (after one
        # optional space) hold only secret characters, the way claude hard-wraps the token.
        self._wrapped = [
            re.compile(
                f"(?:{spec.pattern.pattern})"
                f"(?:\\r*\\n ?[{spec.chars}]+(?=[ \\t]*(?:\\r*\\n|\\Z)))*",
                spec.pattern.flags,
            )
            for spec in self._patterns
        ]
        self._continues = [re.compile(f"[{spec.chars}]+") for spec in self._patterns]

    def redact(self, text: str) -> str:
        """`text` with every secret replaced by its mask (wrapped ones joined first)."""
        for spec, wrapped in zip(self._patterns, self._wrapped, strict=True):
            text = wrapped.sub(partial(_mask_match, spec), text)
        return text

    def find_spans(
        self, rows: Sequence[str], columns: int, wrapped: Sequence[bool] | None = None
    ) -> list[tuple[int, int, int]]:
        """Cells to draw as bullets on a grid of terminal rows: (row, start, end), end exclusive.

        `rows[i][x]` must be the character in column x (one character per cell). A secret at
        the end of a row continues on the next row when that row holds one space and nothing
        but secret characters (claude's hard wrap, whatever the width then), or when the
        terminal wrapped the row: `wrapped[i]` says so, or without it, the row reaches
        `columns`. The first `keep_start` and last `keep_end` characters of each secret are
        left out of the spans.
        """
        spans: list[tuple[int, int, int]] = []
        for spec, continues in zip(self._patterns, self._continues, strict=True):
            for text, pieces in _logical_lines(rows, columns, continues, wrapped):
                for match in spec.pattern.finditer(text):
                    start, end = spec.visible(match.end() - match.start())
                    spans.extend(_cells(pieces, match.start() + start, match.end() - end))
        return _merge(spans)


def _mask_match(spec: SecretPattern, match: re.Match[str]) -> str:
    return spec.mask(_unwrap(match[0]))


def _unwrap(secret: str) -> str:
    return re.sub(r"\r*\n ?", "", secret)


# A piece of a logical line: (row index, first column, number of characters).
_Piece = tuple[int, int, int]


def _logical_lines(
    rows: Sequence[str],
    columns: int,
    continues: re.Pattern[str],
    wrapped: Sequence[bool] | None,
) -> Iterable[tuple[str, list[_Piece]]]:
    """Rows joined where a secret could run on from one row to the next."""
    text: list[str] = []
    pieces: list[_Piece] = []
    soft_wrapped = False  # the row before ran on into this one by autowrap
    for index, row in enumerate(rows):
        row = row.rstrip(" ")
        skip = 0
        if text:
            if row[:1] == " " and continues.fullmatch(row, 1):
                skip = 1
            elif not (soft_wrapped and continues.match(row)):
                yield "".join(text), pieces
                text, pieces = [], []
        text.append(row[skip:])
        pieces.append((index, skip, len(row) - skip))
        if row and continues.match(row, len(row) - 1):
            soft_wrapped = wrapped[index] if wrapped is not None else len(row) >= columns
        else:
            yield "".join(text), pieces
            text, pieces = [], []
    if text:
        yield "".join(text), pieces


def _cells(pieces: list[_Piece], start: int, end: int) -> Iterable[tuple[int, int, int]]:
    """The characters start..end of a logical line, as (row, first column, end column) spans."""
    offset = 0
    for row, first, length in pieces:
        low = max(start, offset)
        high = min(end, offset + length)
        if low < high:
            yield row, first + low - offset, first + high - offset
        offset += length


def _merge(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    spans.sort()
    merged: list[tuple[int, int, int]] = []
    for row, start, end in spans:
        if merged and merged[-1][0] == row and start <= merged[-1][2]:
            merged[-1] = (row, merged[-1][1], max(end, merged[-1][2]))
        else:
            merged.append((row, start, end))
    return merged


default_masker = Masker()


def redact(text: str) -> str:
    """`text` with every token (also hard-wrapped ones) replaced by `mask_token` of it."""
    return default_masker.redact(text)


def find_secret_spans(
    rows: Sequence[str], columns: int, wrapped: Sequence[bool] | None = None
) -> list[tuple[int, int, int]]:
    """Cells of a terminal grid to draw as `•`: see `Masker.find_spans`."""
    return default_masker.find_spans(rows, columns, wrapped)
