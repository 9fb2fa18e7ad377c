"""The README tells the truth: its commands, its key table and its pictures match the app."""

from __future__ import annotations

import re
from pathlib import Path

from clawtui.tui.keymap import binding_rows

ROOT = Path(__file__).parent.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"
DEMO_COMMAND = "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/clawtui demo"


def test_the_two_commands_and_ci() -> None:
    assert DEMO_COMMAND in README and TEST_COMMAND in README
    assert README.index(DEMO_COMMAND) < README.index(TEST_COMMAND) < README.index("## Keys")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.strip().splitlines()[-1] == TEST_COMMAND


def test_every_key_binding_is_in_the_table() -> None:
    rows = re.findall(r"^\| `([^`]+)` \| [^|]+ \| ([^|]+) \|$", README, re.M)
    table = {(keys, does.strip()) for keys, does in rows}
    for section, entries in binding_rows():
        for keys, does in entries:
            assert any(k == keys and d.startswith(does.split(":")[0]) for k, d in table), (
                f"README's key table lacks `{keys}` ({does}) of {section}"
            )
    # And nothing in the table that the app does not have.
    known = {keys for _, entries in binding_rows() for keys, _ in entries}
    assert {keys for keys, _ in table} <= known


def test_every_picture_exists_and_was_made_by_the_app() -> None:
    pictures = re.findall(r"\]\((screenshots/[^)]+)\)", README)
    assert len(pictures) >= 6
    for picture in pictures:
        text = (ROOT / picture).read_text(encoding="utf-8")
        assert text.startswith("<svg") and "Generated with Rich" in text  # save_screenshot
        assert "clawtui" in text
