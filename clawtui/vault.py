"""The token vault: the one place a captured token is kept until it is verified on the box.

A token is shown once by `claude setup-token` and losing it means starting over with the
customer. So the moment it is captured it is written here, before anything else is done with it:
one file a box, mode 0600 in a 0700 folder of the user state dir, written atomically (a crash
mid-write leaves the old file or none, never half a token) and fsynced, file and folder. The
flow pastes a token only after `store` returned; when it raises, nothing is pasted unless the
operator explicitly chooses to paste a token that is not kept. It is removed only after the box has
been verified. `clawtui onboard BOX --resume` (and the TUI's "resume") injects from here.
Nothing else in clawtui stores the token.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import ClawError
from .paths import state_dir
from .secret import Token


class VaultError(ClawError):
    """The vault could not store or read a token."""


@dataclass(frozen=True)
class VaultEntry:
    box: str
    token: Token
    captured_at: float


class Vault:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else state_dir() / "vault"

    def path(self, box: str) -> Path:
        return self.folder / f"{box}.token.json"

    def store(self, box: str, token: Token) -> Path:
        """Write the token durably; raise VaultError (never mentioning the token) on failure."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.folder, 0o700)
            record = {
                "box": box,
                "token": token.reveal(),
                "fingerprint": token.fingerprint,
                "captured_at": time.time(),
            }
            # mkstemp creates the file 0600 before a single byte is written.
            handle, temp_name = tempfile.mkstemp(prefix=f".{box}.", dir=self.folder)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(record, stream)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temp_name, self.path(box))
            except BaseException:
                Path(temp_name).unlink(missing_ok=True)
                raise
            # The rename is durable only once the folder is synced: the token is pasted only
            # after this succeeds, so a failure here is a failure to keep it.
            fsync_dir_strict(self.folder)
        except OSError as error:
            why = error.strerror or str(error)
            if isinstance(error, (FileExistsError, NotADirectoryError)):
                why = "a file is in the way of the folder"
            raise VaultError(
                f"Could not save the captured token for {box} in {self.folder} "
                f"({why}). Do not close clawtui: free disk space or fix the "
                "folder's permissions, then retry."
            ) from None
        return self.path(box)

    def load(self, box: str) -> VaultEntry | None:
        path = self.path(box)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            token = Token(record["token"])
            return VaultEntry(box=box, token=token, captured_at=float(record["captured_at"]))
        except (FileNotFoundError, NotADirectoryError):
            return None  # no file, or no vault folder at all: nothing is kept
        except (OSError, ValueError, KeyError, TypeError):
            raise VaultError(
                f"The vault file {path} is unreadable or damaged. It is left in place; "
                "check it by hand before deleting it."
            ) from None

    def delete(self, box: str) -> None:
        self.path(box).unlink(missing_ok=True)
        _fsync_dir(self.folder)

    def boxes(self) -> list[str]:
        """Boxes with a token waiting to be injected or verified."""
        if not self.folder.is_dir():
            return []
        return sorted(p.name.removesuffix(".token.json") for p in self.folder.glob("*.token.json"))


def fsync_dir_strict(folder: Path) -> None:
    """fsync a folder (after a create, rename or unlink in it); raises OSError on failure."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
