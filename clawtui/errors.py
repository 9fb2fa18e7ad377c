"""One exception family for everything an operator can be told about.

Every error clawtui raises on purpose is a `ClawError`: its message says what happened and what
to do next, in words an operator on a call can act on. The command line prints it (no traceback)
and the TUI shows it in a banner or an error screen. Subclasses carry the facts a caller needs to
act (a host key fingerprint, an exit status), never a secret: messages must not contain a token
or a CODE#STATE.
"""

from __future__ import annotations

from pathlib import Path


class ClawError(Exception):
    """Root of clawtui's own errors. `str(error)` is the operator-facing message."""


class InventoryError(ClawError):
    """The inventory file cannot be used as it is."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        box: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.box = box
        self.field = field
        parts = []
        if path is not None:
            parts.append(str(path))
        if box is not None:
            parts.append(f"box {box!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        prefix = ": ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class SshError(ClawError):
    """Something went wrong reaching or talking to a box over SSH."""

    def __init__(self, message: str, *, box: str | None = None) -> None:
        self.box = box
        super().__init__(message)


class UnreachableError(SshError):
    """The box did not answer (refused, timed out, no route, unknown host name)."""


class AuthenticationError(SshError):
    """The box answered but refused every key we offered."""


class HostKeyUnknownError(SshError):
    """The box's host key is in no known_hosts file: the operator must confirm it first."""

    def __init__(
        self,
        message: str,
        *,
        box: str | None = None,
        host: str,
        port: int,
        fingerprint: str,
        key_type: str,
        known_hosts: Path,
        public_key: bytes = b"",
        jump_host: str = "",
    ) -> None:
        self.host = host
        self.port = port
        self.fingerprint = fingerprint
        self.key_type = key_type
        self.known_hosts = known_hosts
        #: The OpenSSH public key line (without host), so that a confirmed key can be stored.
        self.public_key = public_key
        #: `user@host:port` of the jump host this key belongs to, when it is not the box's own.
        self.jump_host = jump_host
        super().__init__(message, box=box)


class HostKeyChangedError(SshError):
    """The box presented a different host key from the one on record: refused, never bypassed."""

    def __init__(
        self,
        message: str,
        *,
        box: str | None = None,
        host: str = "",
        port: int = 0,
        fingerprint: str = "",
        key_type: str = "",
        known_hosts: Path | None = None,
    ) -> None:
        self.host = host
        self.port = port
        #: Fingerprint of the key the box offers now (`SHA256:…`), "" when it is not known.
        self.fingerprint = fingerprint
        self.key_type = key_type
        self.known_hosts = known_hosts
        super().__init__(message, box=box)


class DisconnectedError(SshError):
    """The connection dropped while a program was running."""


class CommandNotFoundError(SshError):
    """The program we asked the box to run is not installed there (exit status 127)."""

    def __init__(self, message: str, *, box: str | None = None, command: str = "") -> None:
        self.command = command
        super().__init__(message, box=box)


class OpenClawAnswerError(ClawError):
    """An OpenClaw command answered with something clawtui cannot read (e.g. broken JSON).

    `command` names what was run; the message quotes no output (it could hold a token)."""

    def __init__(self, message: str, *, command: str = "") -> None:
        self.command = command
        super().__init__(message)
