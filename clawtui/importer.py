"""Import boxes from where onboarding staff already keep them: `~/.ssh/config` or a spreadsheet.

Boxes come by the dozen, listed in an OpenSSH client config or exported from a spreadsheet as
CSV; hand-writing TOML for them is slow and error-prone. This turns either into `[[box]]` tables
that clawtui's own inventory loader accepts, printed for review or appended to the inventory.

- The ssh config is read as OpenSSH reads it: `Include` is followed (several paths a line, globs
  in lexical order, `~`, relative paths taken from `~/.ssh`, conditional inside `Host` blocks),
  and a host's values are the first ones obtained from the blocks that match it (`Host *`
  included). Patterns (`*`, `?`, `!`) name no single box: they are skipped with a note. `Match`
  blocks cannot be judged without connecting: their settings are left out, with a note.
- A CSV file has a header row naming its columns (name, host, user, port, key, customer, jump;
  name and host required). Every problem is reported, with its line, before anything is printed.
- Every value is validated by the inventory loader itself and written as an escaped TOML string,
  so no cell or config value can add a field or a box of its own.
"""

from __future__ import annotations

import csv
import difflib
import glob
import os
import re
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import ClawError, InventoryError
from .inventory import load_inventory, parse_inventory

#: Columns a CSV file may have; the first two are required.
CSV_COLUMNS = ("name", "host", "user", "port", "key", "customer", "jump")
_REQUIRED_COLUMNS = ("name", "host")
#: How deep `Include` may nest (OpenSSH's limit), which also ends a file including itself.
MAX_INCLUDE_DEPTH = 16

# The ssh config keywords an inventory entry takes, lowercased, to its field.
_CONFIG_FIELDS = {
    "hostname": "host",
    "user": "user",
    "port": "port",
    "identityfile": "key",
    "proxyjump": "jump",
}


class ImportProblems(ClawError):
    """The file cannot be imported as it is; `problems` lists every reason, each on its own."""

    def __init__(self, source: Path, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        listing = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{source}: nothing imported, {count} to fix first:\n{listing}")


@dataclass(frozen=True)
class Entry:
    """One box to import, with the values its source states (None: left to the defaults)."""

    name: str
    host: str
    user: str | None = None
    port: int | None = None
    key: str | None = None
    customer: str = ""
    jump: str = ""

    def table(self) -> dict[str, str | int]:
        """The `[[box]]` table's fields, in the README's order, only those with a value."""
        values: dict[str, str | int | None] = {
            "name": self.name,
            "host": self.host,
            "user": self.user,
            "port": self.port,
            "key": self.key,
            "customer": self.customer or None,
            "jump": self.jump or None,
        }
        return {key: value for key, value in values.items() if value is not None}


@dataclass
class Imported:
    """What a source holds: the boxes, and notes on what was left out and why."""

    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------- TOML out


def toml_string(value: str) -> str:
    """`value` as a TOML basic string: quotes, backslashes and every control character escaped
    (JSON's escaping is not enough: TOML forbids a raw DEL too)."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\t":
            out.append("\\t")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def to_toml(entries: Iterable[Entry]) -> str:
    """The entries as `[[box]]` tables, separated by blank lines."""
    blocks = []
    for entry in entries:
        lines = ["[[box]]"]
        for key, value in entry.table().items():
            rendered = str(value) if isinstance(value, int) else toml_string(value)
            lines.append(f"{key} = {rendered}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _check(entry: Entry, source: Path) -> str | None:
    """What the inventory loader says is wrong with `entry`, without its file prefix; None if
    it would load."""
    try:
        parse_inventory({"box": [entry.table()]}, path=source)
    except InventoryError as error:
        prefix = str(InventoryError("", path=error.path, box=error.box, field=error.field))
        message = str(error)[len(prefix) :] if str(error).startswith(prefix) else str(error)
        return f"field {error.field!r}: {message}" if error.field else message
    return None


# --------------------------------------------------------------------------------- ssh config


@dataclass(frozen=True)
class _Directive:
    #: Pattern lists that must all match the host (outer `Host` blocks first); None: never
    #: (inside a `Match` block).
    condition: tuple[tuple[str, ...], ...] | None
    keyword: str
    args: tuple[str, ...]
    where: str


def read_ssh_config(path: Path) -> Imported:
    """The boxes an OpenSSH client config names (see the module's docstring for the rules).
    Raise `ImportProblems` if the file itself cannot be read."""
    path = Path(path).expanduser()
    if not path.is_file():
        reason = "is a folder, not a file" if path.is_dir() else "no such file"
        raise ImportProblems(path, [reason])
    directives: list[_Directive] = []
    notes: list[str] = []
    _parse_config(path, (), directives, notes, depth=0)

    imported = Imported(notes=notes)
    seen: set[str] = set()
    for directive in directives:
        if directive.keyword != "host" or directive.condition is None:
            continue
        for pattern in directive.args:
            if _is_pattern(pattern):
                imported.notes.append(
                    f"{directive.where}: Host {pattern!r} skipped: a pattern, not one box "
                    "(its settings still apply to the boxes it matches)"
                )
                continue
            if pattern in seen:
                continue
            seen.add(pattern)
            if not _applies(directive.condition, pattern):
                imported.notes.append(
                    f"{directive.where}: Host {pattern!r} skipped: its file is included from "
                    "inside a Host block that does not match it, so OpenSSH ignores it too "
                    "(put the Include above the first Host line)"
                )
                continue
            entry = _resolve(pattern, directives, imported.notes, directive.where)
            if entry is None:
                continue
            problem = _check(entry, path)
            if problem:
                imported.notes.append(f"{directive.where}: Host {pattern!r} skipped: {problem}")
                continue
            imported.entries.append(entry)
    if not imported.entries:
        imported.notes.append(f"{path}: no single-host `Host` entries found")
    return imported


def _parse_config(
    path: Path,
    outer: tuple[tuple[str, ...], ...] | None,
    directives: list[_Directive],
    notes: list[str],
    *,
    depth: int,
) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        detail = error.strerror if isinstance(error, OSError) else f"not UTF-8 ({error.reason})"
        if depth == 0:
            raise ImportProblems(path, [f"cannot be read ({detail})"]) from None
        notes.append(f"{path}: included file skipped: cannot be read ({detail})")
        return
    condition = outer
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path}:{number}"
        try:
            words = _split_config_line(line)
        except ValueError as error:
            notes.append(f"{where}: line ignored: {error}")
            continue
        if not words:
            continue
        keyword, args = words[0].lower(), tuple(words[1:])
        if keyword == "host":
            condition = None if outer is None else (*outer, args)
        elif keyword == "match":
            notes.append(
                f"{where}: Match block ignored: it cannot be judged without connecting, so its "
                "settings are left out"
            )
            condition = None
        elif keyword == "include":
            if depth + 1 >= MAX_INCLUDE_DEPTH:
                notes.append(f"{where}: Include ignored: nested more than {MAX_INCLUDE_DEPTH} deep")
                continue
            for included in _include_paths(args):
                _parse_config(included, condition, directives, notes, depth=depth + 1)
            continue
        directives.append(_Directive(condition, keyword, args, where))


def _include_paths(args: Iterable[str]) -> list[Path]:
    """OpenSSH's rules for a user config: `~` expanded, relative paths taken from ~/.ssh, globs
    expanded in lexical order, names that match nothing ignored."""
    paths: list[Path] = []
    for arg in args:
        pattern = os.path.expanduser(arg)
        if not os.path.isabs(pattern):
            pattern = os.path.join(Path.home(), ".ssh", pattern)
        paths.extend(Path(match) for match in sorted(glob.glob(pattern)) if os.path.isfile(match))
    return paths


def _split_config_line(line: str) -> list[str]:
    """A config line's words: `Keyword args` or `Keyword=args`, double or single quotes grouping
    words, a word starting with `#` ending the line (OpenSSH's argv_split)."""
    text = line.strip()
    if not text or text.startswith("#"):
        return []
    match = re.match(r"([^\s=]+)\s*(?:=\s*)?(.*)", text)
    if match is None:
        return []
    words = [match.group(1)]
    rest = match.group(2)
    i = 0
    while i < len(rest):
        if rest[i].isspace():
            i += 1
            continue
        if rest[i] == "#":
            break
        word = []
        quote = ""
        while i < len(rest) and (quote or not rest[i].isspace()):
            char = rest[i]
            if quote and char == quote:
                quote = ""
            elif not quote and char in "\"'":
                quote = char
            elif char == "\\" and i + 1 < len(rest) and rest[i + 1] in "\\\"' ":
                i += 1
                word.append(rest[i])
            else:
                word.append(char)
            i += 1
        if quote:
            raise ValueError("unbalanced quotes")
        words.append("".join(word))
    return words


def _is_pattern(name: str) -> bool:
    return name.startswith("!") or "*" in name or "?" in name


def _pattern_matches(pattern: str, host: str) -> bool:
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, host, re.IGNORECASE | re.DOTALL) is not None


def _list_matches(patterns: Iterable[str], host: str) -> bool:
    """OpenSSH's pattern-list rule: a negated pattern that matches wins; else any match."""
    matched = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if _pattern_matches(pattern[1:], host):
                return False
        elif _pattern_matches(pattern, host):
            matched = True
    return matched


def _applies(condition: tuple[tuple[str, ...], ...] | None, host: str) -> bool:
    return condition is not None and all(_list_matches(patterns, host) for patterns in condition)


def _resolve(
    alias: str, directives: list[_Directive], notes: list[str], where: str
) -> Entry | None:
    """`alias`'s values as OpenSSH would take them: the first one obtained wins."""
    values: dict[str, str] = {}
    proxy_command = False
    for directive in directives:
        if not directive.args or not _applies(directive.condition, alias):
            continue
        if directive.keyword == "proxycommand":
            proxy_command = proxy_command or "jump" not in values
        target = _CONFIG_FIELDS.get(directive.keyword)
        if target and target not in values:
            values[target] = directive.args[0]
    if values.get("jump", "").lower() == "none":
        del values["jump"]
    if proxy_command and "jump" not in values:
        notes.append(
            f"{where}: Host {alias!r} uses ProxyCommand, which the inventory cannot hold: "
            "imported without it (set `jump` if it goes through a bastion)"
        )
    host = _expand_tokens(values.get("host", "%h"), alias=alias, host=alias, values=values)
    if host is None:
        notes.append(f"{where}: Host {alias!r} skipped: HostName has a %-token clawtui cannot fill")
        return None
    key = values.get("key")
    if key is not None:
        key = _expand_tokens(key, alias=alias, host=host, values=values)
        if key is None:
            notes.append(
                f"{where}: Host {alias!r}: IdentityFile left out: it has a %-token clawtui "
                "cannot fill"
            )
    port_text = values.get("port")
    port: int | str | None = port_text
    if port_text is not None and port_text.isdigit():
        port = int(port_text)
    if isinstance(port, str):
        notes.append(f"{where}: Host {alias!r} skipped: Port {port!r} is not a number")
        return None
    return Entry(
        name=alias,
        host=host,
        user=values.get("user"),
        port=port,
        key=key,
        jump=values.get("jump", ""),
    )


def _expand_tokens(text: str, *, alias: str, host: str, values: dict[str, str]) -> str | None:
    """OpenSSH's %-tokens that need no connection; None if another one is used."""
    known = {
        "%": "%",
        "h": host,
        "n": alias,
        "d": "~",
        "u": _local_user(),
        "r": values.get("user", "%r"),
        "p": values.get("port", "22"),
    }
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "%":
            token = text[i + 1 : i + 2]
            if token not in known or known[token] == "%r":
                return None
            out.append(known[token])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _local_user() -> str:
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER", "")


# --------------------------------------------------------------------------------- CSV


def read_csv(path: Path) -> Imported:
    """The boxes of a CSV file with a header row. Raise `ImportProblems` listing every problem
    (with its line) if there is any: nothing is imported from a file half right."""
    path = Path(path).expanduser()
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a spreadsheet's BOM is no column name
    except FileNotFoundError:
        raise ImportProblems(path, ["no such file"]) from None
    except IsADirectoryError:
        raise ImportProblems(path, ["is a folder, not a file"]) from None
    except OSError as error:
        raise ImportProblems(path, [f"cannot be read ({error.strerror})"]) from None
    except UnicodeDecodeError as error:
        raise ImportProblems(
            path, [f"is not UTF-8 text (byte {error.start}); export it as CSV UTF-8"]
        ) from None

    problems: list[str] = []
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ImportProblems(path, [f"line {reader.line_num}: {error}"]) from None
    if header is None or not any(cell.strip() for cell in header):
        raise ImportProblems(
            path,
            [
                f"line 1: no header row; the first line must name the columns: "
                f"{','.join(CSV_COLUMNS)}"
            ],
        )
    columns = [cell.strip().lower() for cell in header]
    for index, column in enumerate(columns, start=1):
        if column not in CSV_COLUMNS:
            close = difflib.get_close_matches(column, CSV_COLUMNS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(CSV_COLUMNS)}"
            problems.append(f"line 1: column {index} {column!r} is not a known column ({hint})")
        elif columns.index(column) != index - 1:
            problems.append(f"line 1: column {column!r} appears twice")
    for required in _REQUIRED_COLUMNS:
        if required not in columns:
            problems.append(f"line 1: the required column {required!r} is missing")
    if problems:
        raise ImportProblems(path, problems)

    imported = Imported()
    first_line: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader, None)
        except csv.Error as error:
            problems.append(f"line {reader.line_num}: {error}")
            break  # the reader cannot go on after a broken quote
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) > len(columns):
            problems.append(
                f"line {line}: {len(row)} values, but the header names {len(columns)} columns "
                "(a comma inside a value needs the value in double quotes)"
            )
            continue
        cells = {column: value.strip() for column, value in zip(columns, row, strict=False)}
        entry, problem = _csv_entry(cells)
        if problem is None:
            assert entry is not None
            problem = _check(entry, path)
        if problem is not None:
            problems.append(f"line {line}: {problem}")
            continue
        assert entry is not None
        if entry.name in first_line:
            problems.append(
                f"line {line}: the name {entry.name!r} is already used on line "
                f"{first_line[entry.name]}; names must be unique"
            )
            continue
        first_line[entry.name] = line
        imported.entries.append(entry)
    if problems:
        raise ImportProblems(path, problems)
    if not imported.entries:
        imported.notes.append(f"{path}: no boxes (only the header row)")
    return imported


def _csv_entry(cells: dict[str, str]) -> tuple[Entry | None, str | None]:
    for required in _REQUIRED_COLUMNS:
        if not cells.get(required):
            return None, f"{required!r} is empty; every box needs a name and a host"
    port_text = cells.get("port", "")
    port: int | None = None
    if port_text:
        if not port_text.isdigit():
            return None, f"field 'port': {port_text!r} is not a whole number"
        port = int(port_text)
    return (
        Entry(
            name=cells["name"],
            host=cells["host"],
            user=cells.get("user") or None,
            port=port,
            key=cells.get("key") or None,
            customer=cells.get("customer", ""),
            jump=cells.get("jump", ""),
        ),
        None,
    )


# --------------------------------------------------------------------------------- the inventory


def append_to_inventory(
    inventory: Path, imported: Imported, *, source: str
) -> tuple[list[Entry], list[str]]:
    """Append the entries whose names the inventory does not have yet (a name already there is
    skipped, with a note); the file is replaced only once the result is known to load. Returns
    what was added and the notes."""
    inventory = Path(inventory).expanduser()
    notes: list[str] = []
    if inventory.exists():
        existing = {box.name for box in load_inventory(inventory)}
        text = inventory.read_text(encoding="utf-8")
    else:
        existing, text = set(), ""
    added: list[Entry] = []
    for entry in imported.entries:
        if entry.name in existing:
            notes.append(f"{entry.name!r} skipped: the inventory already has a box of that name")
        else:
            added.append(entry)
    if not added:
        return added, notes
    separator = "" if not text else "\n" if text.endswith("\n") else "\n\n"
    block = f"# Added by `clawtui import {source}` on {date.today().isoformat()}.\n"
    new_text = f"{text}{separator}{block}{to_toml(added)}"
    # What is written must load: checked before the file is touched.
    parse_inventory(tomllib.loads(new_text), path=inventory)
    _replace(inventory, new_text)
    return added, notes


def _replace(path: Path, text: str) -> None:
    """Write `path` whole or not at all, keeping its permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------- the command


def run_import_cli(source: str, file: Path | None, *, write: bool, inventory: Path) -> int:
    """`clawtui import ssh-config [FILE]` / `clawtui import csv FILE`: TOML on stdout (a dry
    run), or `--write` to append to the inventory; notes go to stderr. Exit 2 when the file
    has problems (all listed) and nothing was imported."""
    try:
        if source == "csv":
            assert file is not None
            imported = read_csv(file)
        else:
            imported = read_ssh_config(file or Path("~/.ssh/config"))
    except ImportProblems as error:
        print(f"clawtui import: {error}", file=sys.stderr)
        return 2
    for note in imported.notes:
        print(f"clawtui import: note: {note}", file=sys.stderr)
    if not write:
        if imported.entries:
            sys.stdout.write(to_toml(imported.entries))
        return 0
    added, notes = append_to_inventory(inventory, imported, source=source)
    for note in notes:
        print(f"clawtui import: note: {note}", file=sys.stderr)
    names = ", ".join(entry.name for entry in added)
    count = f"{len(added)} box{'es' if len(added) != 1 else ''}"
    print(f"Added {count} to {inventory}{': ' + names if added else ''}")
    return 0
