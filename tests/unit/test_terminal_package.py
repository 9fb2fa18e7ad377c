"""clawtui.terminal is a package of one concern per module, talking through public names only."""

from __future__ import annotations

import ast
from pathlib import Path

import clawtui.terminal

PACKAGE = Path(clawtui.terminal.__file__).parent
#: Underscore names that are not another clawtui module's privates: NamedTuple's public
#: `_replace`, and pyte's stream state, which pyte offers no public way to read.
FOREIGN = {"_replace", "_taking_plain_text"}


def private_uses(path: Path) -> list[str]:
    """`x._name` with `x` not `self`/`cls`, and `from ... import _name`, in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            name = node.attr
            if not name.startswith("_") or name.startswith("__") or name in FOREIGN:
                continue
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                continue
            found.append(f"{path.name}:{node.lineno} .{name}")
        elif isinstance(node, ast.ImportFrom):
            found.extend(
                f"{path.name}:{node.lineno} import {alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            )
    return found


def test_the_package_splits_escapes_screen_and_scrollback() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert {"escapes", "screen", "scrollback", "model"} <= modules


def test_no_module_of_the_package_calls_another_ones_private_names() -> None:
    uses = [use for path in sorted(PACKAGE.glob("*.py")) for use in private_uses(path)]
    assert uses == []


def test_the_public_names_still_come_from_clawtui_terminal() -> None:
    from clawtui.terminal import (
        DISPLAY_ERROR_TEXT,
        Cell,
        ClipboardRequest,
        ScrollbackRow,
        TerminalEvent,
        TerminalModel,
        display_error,
    )

    model = TerminalModel(20, 3)
    model.feed(b"\x1b]52;c;aGk=\x07" + b"\x1b[31mred\x1b[0m\r\n" * 4 + b"\x1b[6n")
    events: list[TerminalEvent] = model.take_events()
    assert events == [ClipboardRequest("c", "hi")]
    assert model.take_replies() == [b"\x1b[3;1R"]
    assert isinstance(next(iter(model.scrollback_rows())), ScrollbackRow)
    assert model.scrollback_cells(0)[0] == Cell("r", fg="red")
    model.show_failure(display_error(ValueError(), "a test"))
    assert model.screen_lines() == [DISPLAY_ERROR_TEXT[:20], "", ""]
