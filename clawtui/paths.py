"""Where clawtui keeps its files: the OS conventions, via platformdirs.

Config (the inventory) lives in the user config dir; the token vault and the audit log live in
the user state dir. `CLAWTUI_CONFIG_DIR` and `CLAWTUI_STATE_DIR` override both, so that the demo,
the tests and the benchmarks can run in a folder of their own and leave nothing behind.

`check_folders()` runs before every command (see `clawtui.__main__.main`): a token must never be
captured into a vault that cannot keep it, so a folder that cannot be created or written stops
clawtui at once with a message naming the folder and the fix, not with a traceback later.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import platformdirs

from .errors import ClawError

APP_NAME = "clawtui"


def config_dir() -> Path:
    override = os.environ.get("CLAWTUI_CONFIG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME))


def state_dir() -> Path:
    override = os.environ.get("CLAWTUI_STATE_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_state_dir(APP_NAME))


def default_inventory() -> Path:
    return config_dir() / "boxes.toml"


class FolderError(ClawError):
    """A folder clawtui needs cannot be created or written (the command line exits 2)."""

    def __init__(self, message: str, *, folder: Path) -> None:
        self.folder = folder
        super().__init__(message)


def _override_hint(kind: str) -> str:
    own = f"CLAWTUI_{kind.upper()}_DIR"
    if os.environ.get(own):
        return f"or point {own} (which chose it) at a folder you can write"
    xdg = f"XDG_{kind.upper()}_HOME"
    if os.environ.get(xdg):
        return f"or fix {xdg} (which chose it), or set {own} to a folder you can write"
    return f"or set {own} to a folder you can write"


def check_folder(folder: Path, kind: str, *, base: str | None = None) -> None:
    """Make sure `folder` exists (creating it, mode 0700), is a folder, and takes a file: a probe
    file is created, written, fsynced and removed, since permission bits do not stop root.
    Raises `FolderError` naming the folder and the fix."""
    what = f"clawtui's {kind} folder {folder}"
    hint = _override_hint(base or kind)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:
        raise FolderError(
            f"{what} is not a folder (a file is in its way). Move that file away, {hint}.",
            folder=folder,
        ) from None
    except NotADirectoryError:
        raise FolderError(
            f"{what} cannot be created: a file is in the way of one of its parent folders. "
            f"Move that file away, {hint}.",
            folder=folder,
        ) from None
    except OSError as error:
        raise FolderError(
            f"{what} cannot be created ({error.strerror or error}). Create it by hand, {hint}.",
            folder=folder,
        ) from None
    if not folder.is_dir():
        raise FolderError(
            f"{what} is not a folder (a file is in its way). Move that file away, {hint}.",
            folder=folder,
        )
    probe = folder / f".clawtui-probe-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"probe")
            os.fsync(fd)
        finally:
            os.close(fd)
        probe.unlink()
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)
        raise FolderError(
            f"{what} cannot be written ({error.strerror or error}). Free disk space or fix its "
            f"permissions, {hint}.",
            folder=folder,
        ) from None


def check_folders() -> None:
    """The folders every command relies on: the config folder (the inventory), the state folder
    (audit log) and the vault inside it. Raises `FolderError` for the first unusable one."""
    check_folder(config_dir(), "config")
    check_folder(state_dir(), "state")
    check_folder(state_dir() / "vault", "token vault", base="state")
