"""The inventory: which customer boxes exist and how to reach them.

A TOML file (by default `boxes.toml` in the user config dir) with one `[[box]]` table a box.
Loading validates everything up front, so a typo is reported once, clearly, with the file, the
box and the field, instead of surfacing later as a failed SSH connection.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InventoryError

#: `CLAUDE_CODE_FULL_SIGN_IN_LINK=1` makes claude 2.1.332 print the full URL (with `state`); it is
#: set inside the command string because SSH servers drop most environment variables.
DEFAULT_SETUP_TOKEN_COMMAND = "CLAUDE_CODE_FULL_SIGN_IN_LINK=1 claude setup-token"
DEFAULT_PASTE_TOKEN_COMMAND = "openclaw models auth paste-token --provider anthropic"
DEFAULT_STATUS_COMMAND = "openclaw models status"
#: The setup-token is valid for one year; OpenClaw records the expiry it is told (FLOW.md).
DEFAULT_EXPIRES_IN = "365d"
_DURATION_RE = re.compile(r"^\d+[smhdwy]$")
_MODEL_RE = re.compile(r"^[A-Za-z0-9._-]+/\S+$")
#: Keys allowed at the top level of the inventory: defaults for every box.
_TOP_LEVEL_DEFAULTS = ("default_model", "expires_in", "restart_gateway")

DEFAULT_USER = "ubuntu"
DEFAULT_PORT = 22
DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"

# Box names end up in file names (the token vault) and worker group names: keep them plain.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# `test_signin_base`: scheme, host (a name or an IP, IPv6 in brackets), optional port, nothing else.
_ORIGIN_RE = re.compile(r"^https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?/?$")

EXAMPLE = """\
[[box]]
name = "acme-prod"        # unique, required
host = "203.0.113.7"      # required; a Host alias from ~/.ssh/config works too
user = "ubuntu"           # default "ubuntu"
port = 22                 # default 22
key = "~/.ssh/acme.pem"   # optional; ssh-agent and ~/.ssh/config apply as with OpenSSH
customer = "Acme Inc"     # optional, shown in the list
# default_model = "anthropic/claude-sonnet-4-6"  # optional: switch OpenClaw to it, no question
"""


@dataclass(frozen=True)
class Box:
    """One customer box. `user` and `port` are None when the inventory leaves them to
    `~/.ssh/config` (then the OpenSSH defaults of clawtui apply: user "ubuntu", port 22)."""

    name: str
    host: str
    user: str | None = None
    port: int | None = None
    key: Path | None = None
    known_hosts: Path = field(default_factory=lambda: Path(DEFAULT_KNOWN_HOSTS).expanduser())
    customer: str = ""
    setup_token_command: str = DEFAULT_SETUP_TOKEN_COMMAND
    paste_token_command: str = DEFAULT_PASTE_TOKEN_COMMAND
    status_command: str = DEFAULT_STATUS_COMMAND
    #: For testing only: an origin (`http://127.0.0.1:43121`) whose sign-in links clawtui may
    #: offer besides Anthropic's. The demo and `clawtui sim` set it for their simulated boxes.
    test_signin_base: str | None = None
    #: Jump hosts to reach the box through, as OpenSSH's ProxyJump: "user@host:port,..." ("" none).
    jump: str = ""
    #: The model to make OpenClaw's default when it is not an Anthropic one (None: ask).
    default_model: str | None = None
    #: Passed to paste-token as `--expires-in` ("" leaves it out).
    expires_in: str = DEFAULT_EXPIRES_IN
    #: Restart the gateway when OpenClaw says it could not refresh the new auth.
    restart_gateway: bool = True

    @property
    def paste_command(self) -> str:
        """The paste-token command, with `--expires-in` unless the inventory's command has it."""
        command = self.paste_token_command
        if not self.expires_in or "--expires-in" in command:
            return command
        return f"{command} --expires-in {self.expires_in}"

    @property
    def openclaw_command(self) -> str:
        """How to call `openclaw` on this box, taken from the status command (which may name
        a full path): `/opt/bin/openclaw models status` gives `/opt/bin/openclaw`."""
        command = self.status_command.strip()
        suffix = "models status"
        if command.endswith(suffix) and command[: -len(suffix)].strip():
            return command[: -len(suffix)].strip()
        return "openclaw"

    @property
    def address(self) -> str:
        """`user@host:port` as the operator would type it, for lists and messages."""
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port and self.port != DEFAULT_PORT else ""
        return f"{user}{self.host}{port}"


@dataclass(frozen=True)
class _Field:
    kind: type
    required: bool = False
    path: bool = False
    command: bool = False


_FIELDS: dict[str, _Field] = {
    "name": _Field(str, required=True),
    "host": _Field(str, required=True),
    "user": _Field(str),
    "port": _Field(int),
    "key": _Field(str, path=True),
    "known_hosts": _Field(str, path=True),
    "customer": _Field(str),
    "setup_token_command": _Field(str, command=True),
    "paste_token_command": _Field(str, command=True),
    "status_command": _Field(str, command=True),
    "test_signin_base": _Field(str),
    "jump": _Field(str),
    "default_model": _Field(str),
    "expires_in": _Field(str),
    "restart_gateway": _Field(bool),
}

_TYPE_NAMES = {str: "a string in quotes", int: "a whole number", bool: "true or false"}


def load_inventory(path: Path) -> list[Box]:
    """Read and validate an inventory file; raise `InventoryError` naming file, box and field."""
    path = Path(path).expanduser()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InventoryError(
            "no such file. Create it with one [[box]] table a box, for example:\n\n" + EXAMPLE,
            path=path,
        ) from None
    except IsADirectoryError:
        raise InventoryError("is a folder, not an inventory file", path=path) from None
    except OSError as error:
        raise InventoryError(f"cannot be read ({error.strerror})", path=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InventoryError(f"is not UTF-8 text (byte {error.start})", path=path) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # Python's message already ends with "(at line L, column C)".
        raise InventoryError(f"TOML syntax error: {error}", path=path) from None
    return parse_inventory(document, path=path)


def parse_inventory(document: Mapping[str, Any], *, path: Path) -> list[Box]:
    extra = sorted(set(document) - {"box", *_TOP_LEVEL_DEFAULTS})
    if extra:
        raise InventoryError(
            f"unknown top-level key {extra[0]!r}; boxes go in [[box]] tables (top-level "
            f"defaults for every box: {', '.join(_TOP_LEVEL_DEFAULTS)})",
            path=path,
        )
    defaults = {key: document[key] for key in _TOP_LEVEL_DEFAULTS if key in document}
    tables = document.get("box", [])
    if not isinstance(tables, list):
        raise InventoryError(
            "'box' must be an array of tables: write [[box]], not [box]", path=path
        )
    boxes: list[Box] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(tables, start=1):
        if isinstance(table, dict):
            table = {**defaults, **table}
        box = _parse_box(table, index=index, path=path)
        if box.name in seen:
            raise InventoryError(
                f"duplicate name: boxes {seen[box.name]} and {index} are both called "
                f"{box.name!r}; names must be unique",
                path=path,
                box=box.name,
                field="name",
            )
        seen[box.name] = index
        boxes.append(box)
    return boxes


def _parse_box(table: Any, *, index: int, path: Path) -> Box:
    label = f"#{index}"
    if not isinstance(table, dict):
        raise InventoryError("must be a table", path=path, box=label)
    name = table.get("name")
    if isinstance(name, str) and name:
        label = name
    for key in table:
        if key not in _FIELDS:
            close = difflib.get_close_matches(key, list(_FIELDS), n=1)
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else f"; known fields: {', '.join(_FIELDS)}"
            )
            raise InventoryError(f"unknown field{hint}", path=path, box=label, field=key)
    values: dict[str, Any] = {}
    for key, spec in _FIELDS.items():
        if key not in table:
            if spec.required:
                raise InventoryError("is required but missing", path=path, box=label, field=key)
            continue
        value = table[key]
        # bool is an int in Python; `port = true` is still a mistake.
        if not isinstance(value, spec.kind) or (isinstance(value, bool) and spec.kind is not bool):
            raise InventoryError(
                f"must be {_TYPE_NAMES[spec.kind]}, not {_toml_type(value)}",
                path=path,
                box=label,
                field=key,
            )
        if isinstance(value, str):
            value = value.strip()
            if not value and (spec.required or spec.path or spec.command or key == "user"):
                raise InventoryError("must not be empty", path=path, box=label, field=key)
        if spec.path:
            candidate = Path(value).expanduser()
            if not candidate.is_absolute():
                candidate = path.parent / candidate
            value = candidate
        values[key] = value

    if not _NAME_RE.match(values["name"]):
        raise InventoryError(
            "must start with a letter or digit and use only letters, digits, '.', '_' and '-' "
            "(at most 64 characters)",
            path=path,
            box=label,
            field="name",
        )
    if any(ch.isspace() for ch in values["host"]):
        raise InventoryError("must not contain spaces", path=path, box=label, field="host")
    if values.get("jump"):
        try:
            parse_jump(values["jump"])
        except ValueError as error:
            raise InventoryError(str(error), path=path, box=label, field="jump") from None
    model = values.get("default_model")
    if model is not None and not _MODEL_RE.match(model):
        raise InventoryError(
            f"{model!r} is not a model; write provider/model, e.g. anthropic/claude-sonnet-4-6",
            path=path,
            box=label,
            field="default_model",
        )
    expires_in = values.get("expires_in")
    if expires_in and not _DURATION_RE.match(expires_in):
        raise InventoryError(
            f"{expires_in!r} is not a duration; write a number and a unit, e.g. 365d "
            '(s, m, h, d, w, y), or "" to leave --expires-in out',
            path=path,
            box=label,
            field="expires_in",
        )
    port = values.get("port")
    if port is not None and not 1 <= port <= 65535:
        raise InventoryError(
            f"{port} is not a TCP port; use a number from 1 to 65535 (SSH is usually 22)",
            path=path,
            box=label,
            field="port",
        )
    base = values.get("test_signin_base")
    if base is not None:
        if not _ORIGIN_RE.match(base):
            raise InventoryError(
                'must be an origin such as "http://127.0.0.1:43121" (scheme, host and port, '
                "no path); it is for testing with the simulator only",
                path=path,
                box=label,
                field="test_signin_base",
            )
        values["test_signin_base"] = base.rstrip("/")
    return Box(**values)


@dataclass(frozen=True)
class JumpHop:
    """One jump host on the way to a box; None leaves the value to ~/.ssh/config."""

    host: str
    user: str | None = None
    port: int | None = None


def parse_jump(spec: str) -> list[JumpHop]:
    """The hops of a `jump` value as OpenSSH's ProxyJump writes them: `[user@]host[:port]`,
    several separated by commas (the first is reached first); `[v6-address]:port` for IPv6.
    Raise `ValueError` saying what is wrong."""
    hops: list[JumpHop] = []
    for part in spec.split(","):
        text = part.strip()
        if not text:
            raise ValueError(f"{spec!r} has an empty jump host; write user@host[:port],...")
        if any(ch.isspace() for ch in text):
            raise ValueError(f"jump host {text!r} must not contain spaces")
        user, _, address = text.rpartition("@")
        port_text = ""
        if address.startswith("["):
            host, bracket, rest = address[1:].partition("]")
            if not bracket or (rest and not rest.startswith(":")):
                raise ValueError(f"jump host {text!r}: write an IPv6 address as [address]:port")
            port_text = rest[1:]
        elif address.count(":") == 1:
            host, _, port_text = address.partition(":")
        else:
            host = address
        if not host or (user == "" and "@" in text):
            raise ValueError(f"jump host {text!r} must be user@host or host, with :port if not 22")
        port: int | None = None
        if port_text or address.endswith(":"):
            if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
                raise ValueError(f"jump host {text!r}: {port_text!r} is not a TCP port (1-65535)")
            port = int(port_text)
        hops.append(JumpHop(host=host, user=user or None, port=port))
    return hops


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def find_box(boxes: list[Box], name: str) -> Box:
    for box in boxes:
        if box.name == name:
            return box
    names = [box.name for box in boxes]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(names) if names else "none"
    raise InventoryError(f"no box named {name!r} in the inventory (boxes: {listing}).{hint}")
