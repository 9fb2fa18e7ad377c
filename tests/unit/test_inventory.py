"""The inventory: valid files load; every kind of mistake gives one clear message naming the
file, the box and the field, and the command line exits 2 without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clawtui.errors import InventoryError
from clawtui.inventory import (
    DEFAULT_PASTE_TOKEN_COMMAND,
    DEFAULT_SETUP_TOKEN_COMMAND,
    find_box,
    load_inventory,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "boxes.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_and_minimal_boxes_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[box]]
name = "acme-prod"
host = "203.0.113.7"
user = "admin"
port = 2222
key = "keys/acme.pem"
known_hosts = "~/kh"
customer = "Acme Inc"

[[box]]
name = "bistro"
host = "bistro-alias"
""",
    )
    acme, bistro = load_inventory(path)
    assert acme.name == "acme-prod" and acme.host == "203.0.113.7"
    assert acme.user == "admin" and acme.port == 2222
    assert acme.key == tmp_path / "keys" / "acme.pem"  # relative to the inventory file
    assert acme.known_hosts == Path("~/kh").expanduser()
    assert acme.customer == "Acme Inc"
    assert acme.address == "admin@203.0.113.7:2222"
    # Left to ~/.ssh/config, then to the defaults (ubuntu, 22) at connect time.
    assert bistro.user is None and bistro.port is None and bistro.key is None
    assert bistro.known_hosts == Path("~/.ssh/known_hosts").expanduser()
    assert bistro.setup_token_command == DEFAULT_SETUP_TOKEN_COMMAND
    assert "CLAUDE_CODE_FULL_SIGN_IN_LINK=1" in bistro.setup_token_command
    assert bistro.paste_token_command == DEFAULT_PASTE_TOKEN_COMMAND


def test_commands_can_be_changed_per_box(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[box]]
name = "a"
host = "h"
setup_token_command = "sudo -u claw claude setup-token"
paste_token_command = "npx openclaw models auth paste-token --provider anthropic"
""",
    )
    (box,) = load_inventory(path)
    assert box.setup_token_command == "sudo -u claw claude setup-token"
    assert box.paste_token_command.startswith("npx openclaw")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[box]]\nhost = "h"\n', ["box '#1'", "field 'name'", "required"]),
        ('[[box]]\nname = "a"\n', ["box 'a'", "field 'host'", "required"]),
        (
            '[[box]]\nname = "a"\nhost = "h"\nport = "22"\n',
            ["box 'a'", "field 'port'", "whole number"],
        ),
        ('[[box]]\nname = "a"\nhost = "h"\nport = 0\n', ["box 'a'", "field 'port'", "1 to 65535"]),
        ('[[box]]\nname = "a"\nhost = "h"\nport = 70000\n', ["field 'port'", "70000"]),
        ('[[box]]\nname = "a"\nhost = "h"\nport = true\n', ["field 'port'", "true/false"]),
        ('[[box]]\nname = "a"\nhost = "h"\nhsot = "x"\n', ["field 'hsot'", "did you mean 'host'"]),
        (
            '[[box]]\nname = "a"\nhost = "h"\n[[box]]\nname = "a"\nhost = "g"\n',
            ["box 'a'", "field 'name'", "duplicate", "1 and 2"],
        ),
        ('[[box]]\nname = "a b"\nhost = "h"\n', ["field 'name'", "letters, digits"]),
        ('[[box]]\nname = "a"\nhost = ""\n', ["field 'host'", "empty"]),
        ('[box]\nname = "a"\nhost = "h"\n', ["[[box]]"]),
        ('[[boxes]]\nname = "a"\n', ["unknown top-level key 'boxes'"]),
    ],
)
def test_mistakes_name_file_box_and_field(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    message = str(caught.value)
    assert str(path) in message
    for part in expected:
        assert part in message


def test_toml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[[box]]\nname = "a"\nhost "h"\n')
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert "line 3" in str(caught.value) and "column" in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_file_shows_an_example(tmp_path: Path) -> None:
    with pytest.raises(InventoryError) as caught:
        load_inventory(tmp_path / "nope.toml")
    assert "no such file" in str(caught.value)
    assert "[[box]]" in str(caught.value)


def test_find_box_suggests_a_close_name(tmp_path: Path) -> None:
    path = write(tmp_path, '[[box]]\nname = "acme-prod"\nhost = "h"\n')
    boxes = load_inventory(path)
    with pytest.raises(InventoryError) as caught:
        find_box(boxes, "acme-prd")
    assert "Did you mean 'acme-prod'" in str(caught.value)


@pytest.mark.parametrize("command", [["onboard", "x"], ["check", "--all"]])
def test_command_line_exits_2_without_traceback(tmp_path: Path, command: list[str]) -> None:
    path = write(tmp_path, '[[box]]\nname = "a"\nhost = "h"\nport = 99999\n')
    result = subprocess.run(
        [sys.executable, "-m", "clawtui", *command, "--inventory", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "field 'port'" in result.stderr and str(path) in result.stderr


def test_max_parallel_is_a_fleet_setting_with_clear_errors(tmp_path: Path) -> None:
    from clawtui.inventory import DEFAULT_MAX_PARALLEL, load_fleet_settings

    path = tmp_path / "boxes.toml"
    box = '[[box]]\nname = "a"\nhost = "h"\n'
    path.write_text(box)
    assert load_fleet_settings(path).max_parallel == DEFAULT_MAX_PARALLEL
    path.write_text("max_parallel = 3\n" + box)
    assert load_fleet_settings(path).max_parallel == 3
    assert [b.name for b in load_inventory(path)] == ["a"]
    for value, words in (("0", "between 1 and"), ('"3"', "whole number"), ("true", "whole")):
        path.write_text(f"max_parallel = {value}\n" + box)
        with pytest.raises(InventoryError) as error:
            load_fleet_settings(path)
        assert words in str(error.value) and "max_parallel" in str(error.value)
