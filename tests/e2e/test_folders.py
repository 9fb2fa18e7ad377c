"""Every command checks its config and state folders first (issue 8, item 1).

An unusable folder (a regular file where the folder should be, a parent that is a file) stops
every command at once with exit status 2 and one message naming the folder and the fix: never a
traceback, and never after a customer has signed in. Commands run as real subprocesses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clawtui.paths import FolderError, check_folder, check_folders

#: Every subcommand of __main__.py, in each of its forms.
COMMANDS: dict[str, list[str]] = {
    "default": [],
    "tui": ["tui"],
    "demo": ["demo"],
    "demo-screenshots": ["demo", "--screenshots", "{tmp}/shots"],
    "sim": ["sim", "--dir", "{tmp}/sim"],
    "onboard": ["onboard", "acme-prod"],
    "onboard-resume": ["onboard", "acme-prod", "--resume"],
    "check": ["check", "acme-prod"],
    "check-all": ["check", "--all"],
    "import-ssh-config": ["import", "ssh-config", "{tmp}/ssh_config"],
    "import-csv": ["import", "csv", "{tmp}/boxes.csv", "--write"],
}

INVENTORY = """
[[box]]
name = "acme-prod"
host = "127.0.0.1"
port = 9
"""


def run_clawtui(
    args: list[str], env: dict[str, str], tmp: Path
) -> subprocess.CompletedProcess[str]:
    inventory = tmp / "boxes.toml"
    inventory.write_text(INVENTORY)
    (tmp / "ssh_config").write_text("Host web\n  HostName 127.0.0.1\n")
    (tmp / "boxes.csv").write_text("name,host\nweb,127.0.0.1\n")
    argv = [arg.replace("{tmp}", str(tmp)) for arg in args]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAWTUI_", "XDG_"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "clawtui", "--inventory", str(inventory), *argv],
        env=full_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,  # the old code started the command instead; a hang is a failure
        check=False,
    )


def assert_refused(result: subprocess.CompletedProcess[str], folder: Path, hint: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert str(folder) in result.stderr, result.stderr
    assert hint in result.stderr, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_command_refuses_a_state_folder_that_is_a_file(
    command: list[str], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    state.write_text("a file where the state folder should be\n")
    env = {"CLAWTUI_STATE_DIR": str(state), "CLAWTUI_CONFIG_DIR": str(tmp_path / "config")}
    result = run_clawtui(command, env, tmp_path)
    assert_refused(result, state, "CLAWTUI_STATE_DIR")
    assert "not a folder" in result.stderr
    assert state.read_text().startswith("a file"), "the file in the way is left alone"


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_command_refuses_an_xdg_config_home_that_is_a_file(
    command: list[str], tmp_path: Path
) -> None:
    xdg = tmp_path / "xdg-config"
    xdg.write_text("not a folder\n")
    env = {"XDG_CONFIG_HOME": str(xdg), "XDG_STATE_HOME": str(tmp_path / "xdg-state")}
    result = run_clawtui(command, env, tmp_path)
    assert_refused(result, xdg / "clawtui", "XDG_CONFIG_HOME")


@pytest.mark.slow
def test_an_xdg_state_home_that_is_a_file_and_a_vault_that_is_a_file(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg-state"
    xdg.write_text("not a folder\n")
    env = {"XDG_STATE_HOME": str(xdg), "XDG_CONFIG_HOME": str(tmp_path / "xdg-config")}
    assert_refused(run_clawtui(["check", "--all"], env, tmp_path), xdg / "clawtui", "XDG_STATE")

    state = tmp_path / "state"
    (state / "vault").parent.mkdir()
    (state / "vault").write_text("not a folder\n")
    env = {"CLAWTUI_STATE_DIR": str(state), "CLAWTUI_CONFIG_DIR": str(tmp_path / "config")}
    result = run_clawtui(["onboard", "acme-prod"], env, tmp_path)
    assert_refused(result, state / "vault", "CLAWTUI_STATE_DIR")
    assert "vault" in result.stderr


def test_a_usable_folder_is_created_and_left_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAWTUI_STATE_DIR", str(tmp_path / "a" / "state"))
    monkeypatch.setenv("CLAWTUI_CONFIG_DIR", str(tmp_path / "b" / "config"))
    check_folders()
    assert (tmp_path / "a" / "state" / "vault").is_dir()
    assert (tmp_path / "b" / "config").is_dir()
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == [], "the probe files are removed"


def test_a_folder_on_a_full_disk_is_refused(tmp_path: Path) -> None:
    """Root ignores permission bits, so the check writes for real: a full disk (or a read-only
    mount) is found only by a real write."""
    folder = tmp_path / "full"
    folder.mkdir()
    real_open = os.open

    def no_space(path: object, flags: int, *args: object) -> int:
        if str(path).startswith(str(folder / ".clawtui-probe")):
            raise OSError(28, "No space left on device")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "open", no_space)
        with pytest.raises(FolderError) as caught:
            check_folder(folder, "state")
    assert str(folder) in str(caught.value) and "No space left" in str(caught.value)
    assert caught.value.folder == folder
