"""Box checks: is a customer box ready to be onboarded? (`clawtui check BOX` / `--all`)

An onboarding call goes wrong in ways that are known in advance and cheap to detect before the
customer is on the line: OpenClaw 2026.9.x needs Node >= 24.16 (2026.9.2 was the last to run on
Node >= 22.22.3); on an older Node `npm install -g openclaw` silently installs `0.0.1`, an empty
placeholder with no `openclaw` command; npm installs are OOM-killed below 2 GB of RAM; and
`claude` must be there to print the token. This module finds all of that with one SSH connection
and one command per box: a small POSIX sh script that prints each probe's output between tagged
lines, parsed here by pure functions (unit-tested on literal outputs of the real programs).

Every `ClawError` becomes a `CheckResult`: checking a fleet never stops at the first bad box and
never shows a traceback. Imports no textual: the TUI and the command line share it.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import shlex
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TextIO

from . import ssh
from .errors import ClawError, HostKeyUnknownError, OpenClawAnswerError
from .flow import expiry_date
from .inventory import Box
from .openclaw import (
    GatewayState,
    is_anthropic_model,
    parse_gateway_status_json,
    parse_models_status_json,
    parse_openclaw_version,
    strip_ansi,
)

#: Below this Node, OpenClaw does not run at all and npm installs the empty placeholder.
NODE_MINIMUM = (22, 22, 3)
#: What current OpenClaw (2026.9.x after 2026.9.2) needs.
NODE_CURRENT = (24, 16, 0)
_NODE_CURRENT_TEXT = "24.16"
#: The version npm installs on a Node too old for OpenClaw: a package with no command in it.
OPENCLAW_PLACEHOLDER = "0.0.1"
#: "2 GB" as a plan is sold. A 2 GB Lightsail box reports only about 1.9-2.0 GiB of total memory
#: (the kernel and firmware keep the rest), and npm installs do work there, so 1900 MiB counts as
#: meeting "2 GB"; a 1 GB plan (about 0.95 GiB) is far below it.
MEMORY_MINIMUM_MIB = 1900
#: How long one probe on the box may take before `timeout` stops it (Node CLIs start slowly on a
#: small box, but not this slowly).
PROBE_TIMEOUT = 10
#: Exit status of coreutils `timeout` when it had to stop the command.
_TIMED_OUT = 124
#: Connecting gets at most this much of the whole check's time.
CONNECT_TIMEOUT = 10.0

#: What OpenClaw itself says (issue 7): is the box on Claude, will the gateway pick a new token
#: up, and when does the stored token expire.
OPENCLAW_STATE_CHECKS = ("default model", "gateway", "token expiry")
#: The checks, in the order they are reported.
CHECK_NAMES = ("reachable", "node", "claude", "openclaw", "memory", *OPENCLAW_STATE_CHECKS)
#: A stored token expiring within this many days is a warning: time to renew.
EXPIRY_WARNING_DAYS = 30

_CLAUDE_PACKAGE = "@anthropic-ai/claude-code"
_INSTALL_NODE = (
    "install Node 24 LTS, e.g. from NodeSource (https://github.com/nodesource/distributions)"
)


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    #: Not known: the box could not be asked, or its answer could not be read.
    UNKNOWN = "unknown"


# Worst last. UNKNOWN ranks above WARN: a box whose state is not known is not ready.
_RANK = {Status.OK: 0, Status.WARN: 1, Status.UNKNOWN: 2, Status.FAIL: 3}


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    #: What the check found on the box ("v24.21.0", "not installed", "1.9 GiB").
    found: str
    #: What to do about it, naming the box; "" when the result is OK.
    advice: str


@dataclass(frozen=True)
class BoxReport:
    box: str
    results: tuple[CheckResult, ...]
    #: `user@host[:port]` as used for the check, for the report's header.
    address: str = ""

    @property
    def status(self) -> Status:
        """The worst status of all results (UNKNOWN when there are none)."""
        if not self.results:
            return Status.UNKNOWN
        return max((result.status for result in self.results), key=_RANK.__getitem__)

    @property
    def ready(self) -> bool:
        """Onboarding can go ahead: nothing failed or unknown (warnings allowed)."""
        return self.status in (Status.OK, Status.WARN)

    def result(self, name: str) -> CheckResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)


# --------------------------------------------------------------------------- the box script


@dataclass(frozen=True)
class Probe:
    """One probe's answer from the box script."""

    name: str
    #: Where `command -v` found the program; None when it is not on PATH.
    path: str | None
    output: str = ""
    #: None when the program is missing, or the script ended before the probe did.
    exit_status: int | None = None

    @property
    def missing(self) -> bool:
        return self.path is None


def box_script(marker: str) -> str:
    """The POSIX sh script run on the box; each probe's output sits between `marker` lines.

    `command -v` first, so a missing program is told apart from one that fails; stdin from
    /dev/null so no probe can wait for input; `timeout` (coreutils, on every Ubuntu) so a hung
    program costs one probe, not the whole check. `LC_ALL=C` keeps `free`'s "Mem:" untranslated.
    npm is asked only when `claude` or `openclaw` is missing: it is slow, and it is what tells
    the empty placeholder (or a PATH problem) from nothing installed.
    """
    return f"""M={marker}
LC_ALL=C
export LC_ALL
T=
if command -v timeout >/dev/null 2>&1; then T="timeout {PROBE_TIMEOUT}"; fi
probe() {{
  name=$1
  shift
  where=$(command -v "$1" 2>/dev/null) || where=
  if [ -z "$where" ]; then
    printf '\\n%s %s missing\\n' "$M" "$name"
    return 0
  fi
  printf '\\n%s %s begin %s\\n' "$M" "$name" "$where"
  $T "$@" </dev/null 2>&1
  printf '\\n%s %s end %s\\n' "$M" "$name" "$?"
}}
probe node node --version
probe claude claude --version
probe openclaw openclaw --version
if ! command -v openclaw >/dev/null 2>&1 || ! command -v claude >/dev/null 2>&1; then
  probe npm-ls npm ls -g --depth=0 openclaw {_CLAUDE_PACKAGE}
fi
if command -v openclaw >/dev/null 2>&1; then
  # Each takes 2-11 s on a real box: run both at once, print them one after the other.
  D=$(mktemp -d 2>/dev/null) || D=
  if [ -n "$D" ]; then
    probe models openclaw models status --json >"$D/models" 2>&1 &
    probe gateway openclaw gateway status --json >"$D/gateway" 2>&1 &
    wait
    cat "$D/models" "$D/gateway"
    rm -rf "$D"
  else
    probe models openclaw models status --json
    probe gateway openclaw gateway status --json
  fi
fi
probe free free -b
if [ -r /proc/meminfo ]; then probe meminfo grep '^MemTotal:' /proc/meminfo; fi
"""


def box_command(marker: str) -> str:
    """The command line for `SshConnection.run`: the script under `sh`, whatever the login
    shell of the box's user is (fish or csh would not read it)."""
    return f"sh -c {shlex.quote(box_script(marker))}"


def read_probes(stdout: str, marker: str) -> dict[str, Probe]:
    """Each probe's answer from the script's output, by probe name."""
    probes: dict[str, Probe] = {}
    current: tuple[str, str] | None = None  # (name, path) of the probe being read
    body: list[str] = []
    prefix = marker + " "
    for line in stdout.splitlines():
        if not line.startswith(prefix):
            if current is not None:
                body.append(line)
            continue
        words = line[len(prefix) :].split(" ", 2)
        if len(words) < 2:
            continue
        name, event = words[0], words[1]
        rest = words[2] if len(words) > 2 else ""
        if event == "missing":
            probes[name] = Probe(name, None)
        elif event == "begin":
            current, body = (name, rest), []
        elif event == "end" and current is not None and current[0] == name:
            status = int(rest) if rest.strip().isdigit() else None
            probes[name] = Probe(name, current[1], "\n".join(body).strip(), status)
            current = None
    if current is not None:  # the script was cut off inside a probe
        probes[current[0]] = Probe(current[0], current[1], "\n".join(body).strip(), None)
    return probes


# --------------------------------------------------------------------------- parsing


_NODE_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)\b")
_CLAUDE_VERSION = re.compile(r"(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\s*\(Claude Code\)")
_ANY_VERSION = re.compile(r"\b(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\b")
_MEMINFO_TOTAL = re.compile(r"^MemTotal:\s*(\d+)\s*kB\b", re.MULTILINE)


def parse_node_version(text: str) -> tuple[int, int, int] | None:
    """(24, 16, 0) from `node --version` ("v24.16.0"); None when no line is a version."""
    for line in strip_ansi(text).splitlines():
        found = _NODE_VERSION.match(line.strip())
        if found:
            return int(found.group(1)), int(found.group(2)), int(found.group(3))
    return None


def format_version(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def parse_claude_version(text: str) -> str | None:
    """The version from `claude --version`: "2.1.332" from "2.1.332 (Claude Code)"."""
    cleaned = strip_ansi(text)
    named = _CLAUDE_VERSION.search(cleaned)
    if named:
        return named.group(1)
    for line in cleaned.splitlines():  # a build that prints the bare version
        bare = _ANY_VERSION.fullmatch(line.strip().removeprefix("v"))
        if bare:
            return bare.group(1)
    return None


def parse_npm_global(text: str, package: str) -> str | None:
    """The version of `package` in `npm ls -g --depth=0` output ("└── openclaw@0.0.1"; with
    LC_ALL=C npm draws the tree in ASCII: "`-- openclaw@0.0.1")."""
    pattern = re.compile(r"(?:^|\s)" + re.escape(package) + r"@(\d[0-9A-Za-z.+-]*)")
    for line in strip_ansi(text).splitlines():
        found = pattern.search(line)
        if found:
            return found.group(1)
    return None


def parse_free_total(text: str) -> int | None:
    """Total memory in bytes from `free -b` (the second column of the "Mem:" line)."""
    for line in strip_ansi(text).splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "Mem:" and words[1].isdigit():
            return int(words[1])
    return None


def parse_meminfo_total(text: str) -> int | None:
    """Total memory in bytes from /proc/meminfo's "MemTotal:  2001234 kB" (kB are KiB)."""
    found = _MEMINFO_TOTAL.search(text)
    return int(found.group(1)) * 1024 if found else None


def format_memory(total_bytes: int) -> str:
    return f"{total_bytes / 1024**3:.1f} GiB ({total_bytes // 1024**2} MiB)"


# --------------------------------------------------------------------------- judging


def _first_line(text: str, limit: int = 120) -> str:
    for line in strip_ansi(text).splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return "no output"


def _ok(name: str, found: str) -> CheckResult:
    return CheckResult(name, Status.OK, found, "")


def _not_reported(name: str, box: Box) -> CheckResult:
    return CheckResult(
        name,
        Status.UNKNOWN,
        "no answer",
        f"The check script on {box.name} did not report this; run the check again, and if it "
        "persists, look at the box by hand.",
    )


def _no_version(
    name: str, command: str, probe: Probe, box: Box, fix: str, subject: str = "it"
) -> CheckResult:
    """A program that is on PATH but whose `--version` gave no version: it printed something
    else (`subject` is what the operator should then check by hand), hung, or failed."""
    if probe.exit_status == 0:
        return CheckResult(
            name,
            Status.UNKNOWN,
            _first_line(probe.output, 40),
            f"`{command}` on {box.name} printed no version; check {subject} by hand.",
        )
    if probe.exit_status == _TIMED_OUT:
        return CheckResult(
            name,
            Status.UNKNOWN,
            f"no answer within {PROBE_TIMEOUT} s",
            f"`{command}` hung on {box.name}; the box may be overloaded. Check it, then run the "
            "check again.",
        )
    if probe.exit_status is None:
        return _not_reported(name, box)
    return CheckResult(
        name,
        Status.FAIL,
        "installed, does not run",
        f"`{command}` failed on {box.name} (exit {probe.exit_status}: "
        f"{_first_line(probe.output)}). {fix}",
    )


def _not_on_path(
    command: str, package: str, installed: str, box: Box, reinstall: str = ""
) -> CheckResult:
    """npm lists the package, but its command is not on the PATH an SSH command gets (npm's
    global bin folder is added only by files interactive shells read)."""
    return CheckResult(
        command,
        Status.FAIL,
        f"{package}, not on PATH",
        f"npm installed {installed} on {box.name}, but no `{command}` command is on the PATH of "
        "an SSH command there: add npm's global bin folder (`npm prefix -g`/bin) to PATH in a "
        "file non-interactive shells read (e.g. the top of ~/.bashrc), or reinstall with a "
        f"system-wide Node{reinstall}.",
    )


def judge_node(box: Box, probe: Probe | None) -> CheckResult:
    if probe is None:
        return _not_reported("node", box)
    if probe.missing:
        return CheckResult(
            "node",
            Status.FAIL,
            "not installed",
            f"Node.js is not on {box.name}'s PATH: {_INSTALL_NODE}.",
        )
    version = parse_node_version(probe.output) if probe.exit_status == 0 else None
    if version is None:
        return _no_version(
            "node", "node --version", probe, box, f"Reinstall Node: {_INSTALL_NODE}.", "Node"
        )
    found = "v" + format_version(version)
    if version < NODE_MINIMUM:
        return CheckResult(
            "node",
            Status.FAIL,
            found,
            f"Node {found} on {box.name} is too old for OpenClaw (npm installs an empty "
            f"placeholder there): {_INSTALL_NODE}.",
        )
    if version < NODE_CURRENT:
        return CheckResult(
            "node",
            Status.WARN,
            found,
            f"OpenClaw 2026.9.x needs Node >= {_NODE_CURRENT_TEXT}; 2026.9.2 is the "
            f"last that runs on this Node. To get current OpenClaw on {box.name}, "
            f"{_INSTALL_NODE}.",
        )
    return _ok("node", found)


def judge_claude(box: Box, probe: Probe | None, npm: Probe | None) -> CheckResult:
    install = f"npm install -g {_CLAUDE_PACKAGE}"
    if probe is None:
        return _not_reported("claude", box)
    if probe.missing:
        listed = parse_npm_global(npm.output, _CLAUDE_PACKAGE) if npm and npm.output else None
        if listed:
            return _not_on_path(
                "claude", f"{_CLAUDE_PACKAGE}@{listed}", "Claude Code", box, f": `{install}`"
            )
        return CheckResult(
            "claude",
            Status.FAIL,
            "not installed",
            f"Install Claude Code on {box.name}: `{install}`.",
        )
    version = parse_claude_version(probe.output) if probe.exit_status == 0 else None
    if version is None:
        return _no_version(
            "claude", "claude --version", probe, box, f"Reinstall Claude Code: `{install}`."
        )
    return _ok("claude", version)


def judge_openclaw(box: Box, probe: Probe | None, npm: Probe | None) -> CheckResult:
    upgrade = (
        f"upgrade Node on {box.name} to >= {_NODE_CURRENT_TEXT}, then "
        "`npm install -g openclaw@latest`"
    )
    placeholder = CheckResult(
        "openclaw",
        Status.FAIL,
        f"{OPENCLAW_PLACEHOLDER} (empty placeholder)",
        f"openclaw {OPENCLAW_PLACEHOLDER} is the empty placeholder npm installs on a Node too "
        f"old for OpenClaw; it has no `openclaw` command. Upgrade Node on {box.name} to >= "
        f"{_NODE_CURRENT_TEXT}, then `npm install -g openclaw@latest`.",
    )
    if probe is None:
        return _not_reported("openclaw", box)
    if probe.missing:
        listed = parse_npm_global(npm.output, "openclaw") if npm and npm.output else None
        if listed == OPENCLAW_PLACEHOLDER:
            return placeholder
        if listed:
            return _not_on_path("openclaw", f"openclaw@{listed}", f"OpenClaw {listed}", box)
        return CheckResult(
            "openclaw",
            Status.FAIL,
            "not installed",
            f"Install OpenClaw on {box.name}: `npm install -g openclaw@latest` (it needs Node >= "
            f"{_NODE_CURRENT_TEXT}: on an older Node npm silently installs an empty "
            "placeholder).",
        )
    version = parse_openclaw_version(probe.output) if probe.exit_status == 0 else None
    if version == OPENCLAW_PLACEHOLDER:
        return placeholder
    if version is None:
        return _no_version(
            "openclaw",
            "openclaw --version",
            probe,
            box,
            f"OpenClaw may need a newer Node: {upgrade}.",
        )
    return _ok("openclaw", version)


def judge_memory(box: Box, free: Probe | None, meminfo: Probe | None) -> CheckResult:
    total = parse_free_total(free.output) if free and free.output else None
    if total is None and meminfo is not None:
        total = parse_meminfo_total(meminfo.output)
    if total is None:
        return CheckResult(
            "memory",
            Status.UNKNOWN,
            "not readable",
            f"Neither `free -b` nor /proc/meminfo gave {box.name}'s total memory; check it has "
            "at least 2 GB by hand.",
        )
    found = format_memory(total)
    if total < MEMORY_MINIMUM_MIB * 1024**2:
        return CheckResult(
            "memory",
            Status.FAIL,
            found,
            f"npm installs are OOM-killed below 2 GB: move {box.name} to a bigger plan (2 GB or "
            "more) or add swap.",
        )
    return _ok("memory", found)


def _no_openclaw(name: str, box: Box) -> CheckResult:
    return CheckResult(
        name, Status.UNKNOWN, "not checked", f"needs a working `openclaw` on {box.name}."
    )


def judge_default_model(box: Box, probe: Probe | None) -> CheckResult:
    name = "default model"
    if probe is None or probe.missing:
        return _no_openclaw(name, box)
    try:
        status = parse_models_status_json(probe.output)
    except OpenClawAnswerError:
        return CheckResult(
            name,
            Status.WARN,
            "not readable",
            f"`openclaw models status --json` on {box.name} gave no readable answer.",
        )
    model = status.default_model
    if is_anthropic_model(model):
        return _ok(name, str(model))
    return CheckResult(
        name,
        Status.WARN,
        f"{model or 'none'} (not Claude)",
        f"OpenClaw on {box.name} does not use Claude by default: onboarding asks to switch, "
        "or pass --default-model anthropic/claude-sonnet-4-6 (inventory: default_model).",
    )


def judge_gateway(box: Box, probe: Probe | None) -> CheckResult:
    name = "gateway"
    if probe is None or probe.missing:
        return _no_openclaw(name, box)
    try:
        state = parse_gateway_status_json(probe.output).state
    except OpenClawAnswerError:
        state = GatewayState.UNKNOWN
    if state == GatewayState.RUNNING:
        return _ok(name, "running (service)")
    if state in (GatewayState.NO_SERVICE_MANAGER, GatewayState.NOT_LOADED):
        why = (
            "no systemd user services"
            if state == GatewayState.NO_SERVICE_MANAGER
            else "no service loaded"
        )
        return CheckResult(
            name,
            Status.WARN,
            f"not a service ({why})",
            f"The OpenClaw gateway on {box.name} is not installed as a service, so clawtui "
            "cannot restart it after the paste: the customer must restart it themselves, or "
            "install it with `openclaw gateway install`.",
        )
    if state == GatewayState.STOPPED:
        return CheckResult(
            name,
            Status.WARN,
            "not running",
            f"The OpenClaw gateway service on {box.name} is not running: "
            "`openclaw gateway restart`, and see `openclaw gateway status`.",
        )
    return CheckResult(
        name,
        Status.WARN,
        "unknown",
        f"`openclaw gateway status --json` on {box.name} did not say whether it runs.",
    )


def judge_token_expiry(box: Box, probe: Probe | None, now_ms: int) -> CheckResult:
    name = "token expiry"
    if probe is None or probe.missing:
        return _no_openclaw(name, box)
    try:
        status = parse_models_status_json(probe.output)
    except OpenClawAnswerError:
        return CheckResult(name, Status.WARN, "not readable", "")
    if status.manual_last8 is None:
        return _ok(name, "no Claude token stored yet")
    if status.expires_at_ms is None:
        return CheckResult(
            name,
            Status.WARN,
            "no expiry recorded",
            f"The token on {box.name} was pasted without --expires-in: OpenClaw cannot warn "
            "before it expires. Onboard again to record it (the token lasts one year).",
        )
    day = expiry_date(status.expires_at_ms) or "?"
    days_left = (status.expires_at_ms - now_ms) / 86_400_000
    if days_left <= 0:
        return CheckResult(
            name,
            Status.WARN,
            f"expired {day}",
            f"The Claude token on {box.name} has expired: onboard it again (a renewal).",
        )
    if days_left < EXPIRY_WARNING_DAYS:
        return CheckResult(
            name,
            Status.WARN,
            f"{day} ({days_left:.0f} d left)",
            f"Renew {box.name} before {day}: onboard it again (a renewal).",
        )
    return _ok(name, f"{day} ({days_left:.0f} d left)")


def judge(
    box: Box, probes: Mapping[str, Probe], *, now_ms: int | None = None
) -> tuple[CheckResult, ...]:
    """The results of every check after `reachable`, from the box script's answers."""
    npm = probes.get("npm-ls")
    openclaw = judge_openclaw(box, probes.get("openclaw"), npm)
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    working = openclaw.status is Status.OK
    return (
        judge_node(box, probes.get("node")),
        judge_claude(box, probes.get("claude"), npm),
        openclaw,
        judge_memory(box, probes.get("free"), probes.get("meminfo")),
        judge_default_model(box, probes.get("models") if working else None),
        judge_gateway(box, probes.get("gateway") if working else None),
        judge_token_expiry(box, probes.get("models") if working else None, now),
    )


def _not_checked(reason: str) -> tuple[CheckResult, ...]:
    return tuple(
        CheckResult(name, Status.UNKNOWN, "not checked", reason) for name in CHECK_NAMES[1:]
    )


# --------------------------------------------------------------------------- running


Connect = Callable[..., Awaitable[ssh.SshConnection]]


async def check_box(
    box: Box, *, connect: Connect = ssh.connect, timeout: float = 20.0
) -> BoxReport:
    """Check one box over one SSH connection; never raises a `ClawError` (it becomes a result).

    `timeout` bounds the whole check: connecting (at most `CONNECT_TIMEOUT` of it) and the
    script. A new host key is never accepted here: that needs the operator's confirmation.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        connection = await connect(box, connect_timeout=min(CONNECT_TIMEOUT, timeout))
    except ClawError as error:
        advice = str(error)
        if isinstance(error, HostKeyUnknownError):
            advice += (
                " `clawtui check` never accepts a new host key: confirm it when onboarding "
                f"(`clawtui onboard {box.name} --accept-new-host-key`, or in the TUI), then "
                "check again."
            )
        reachable = CheckResult("reachable", Status.FAIL, "no", advice)
        return BoxReport(
            box.name,
            (reachable, *_not_checked(f"{box.name} could not be reached; see above.")),
            box.address,
        )
    marker = f"@@clawtui-check-{secrets.token_hex(6)}"
    reachable = _ok("reachable", "ssh ok")
    try:
        async with connection:
            remaining = max(deadline - loop.time(), 1.0)
            answer = await connection.run(box_command(marker), timeout=remaining)
    except ClawError as error:
        failed = CheckResult(
            "reachable",
            Status.FAIL,
            "ssh ok, checks did not run",
            f"Connected to {box.name}, but the checks could not run there: {error}",
        )
        return BoxReport(
            box.name, (failed, *_not_checked("not checked; see above.")), connection.address
        )
    probes = read_probes(answer.stdout, marker)
    return BoxReport(box.name, (reachable, *judge(box, probes)), connection.address)


def _start_checks(
    boxes: Sequence[Box], concurrency: int, connect: Connect, timeout: float
) -> list[asyncio.Task[BoxReport]]:
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    gate = asyncio.Semaphore(concurrency)

    async def one(box: Box) -> BoxReport:
        async with gate:
            return await check_box(box, connect=connect, timeout=timeout)

    return [asyncio.create_task(one(box), name=f"check:{box.name}") for box in boxes]


async def _cancel(tasks: Iterable[asyncio.Task[BoxReport]]) -> None:
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


async def check_boxes(
    boxes: Iterable[Box],
    *,
    concurrency: int = 8,
    connect: Connect = ssh.connect,
    timeout: float = 20.0,
) -> list[BoxReport]:
    """Check boxes concurrently (at most `concurrency` at once), each on its own; reports come
    back in the order of `boxes`."""
    tasks = _start_checks(list(boxes), concurrency, connect, timeout)
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        await _cancel(tasks)


# --------------------------------------------------------------------------- the report


_MARKS = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.UNKNOWN: "?"}
# For a terminal that cannot show the marks above (an ASCII-only locale).
_ASCII_MARKS = {Status.OK: "+", Status.WARN: "!", Status.FAIL: "x", Status.UNKNOWN: "?"}
_FOUND_WIDTH = 36


def _encoding(out: TextIO) -> str:
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        "".encode(encoding)
    except LookupError:
        return "utf-8"
    return str(encoding)


def _marks_for(encoding: str) -> Mapping[Status, str]:
    try:
        "".join(_MARKS.values()).encode(encoding)
    except UnicodeEncodeError:
        return _ASCII_MARKS
    return _MARKS


def format_report(report: BoxReport, marks: Mapping[Status, str] = _MARKS) -> list[str]:
    """The report's lines: a header, then one aligned line per check."""
    warnings = sum(1 for result in report.results if result.status is Status.WARN)
    if not report.ready:
        verdict = "needs attention"
    elif warnings:
        verdict = f"ready, with {warnings} warning{'s' if warnings > 1 else ''}"
    else:
        verdict = "ready"
    where = f" ({report.address})" if report.address else ""
    lines = [f"{report.box}{where}: {verdict}"]
    name_width = max((len(result.name) for result in report.results), default=0)
    found_width = min(
        max((len(result.found) for result in report.results), default=0), _FOUND_WIDTH
    )
    for result in report.results:
        line = f"  {marks[result.status]} {result.name:<{name_width}}  "
        line += f"{result.found:<{found_width}}  {result.advice}" if result.advice else result.found
        lines.append(line.rstrip())
    return lines


async def run_checks_cli(
    boxes: list[Box],
    out: TextIO | None = None,
    *,
    concurrency: int = 8,
    connect: Connect = ssh.connect,
    timeout: float = 20.0,
) -> int:
    """Check `boxes` and print a report for each, in inventory order as soon as it is known.

    Returns the exit status: 0 when every box is ready (warnings allowed), 1 when any check
    failed or could not be made (a box unreachable included).
    """
    out = out if out is not None else sys.stdout
    if not boxes:
        out.write("No boxes to check: the inventory is empty.\n")
        return 0
    encoding = _encoding(out)
    marks = _marks_for(encoding)
    tasks = _start_checks(boxes, concurrency, connect, timeout)
    reports: list[BoxReport] = []
    try:
        for task in tasks:
            report = await task
            reports.append(report)
            if len(reports) > 1:
                out.write("\n")
            text = "\n".join(format_report(report, marks)) + "\n"
            # What a box printed may not fit an ASCII-only terminal: never fail on it.
            out.write(text.encode(encoding, "replace").decode(encoding))
            out.flush()
    finally:
        await _cancel(tasks)
    attention = [report.box for report in reports if not report.ready]
    if len(reports) > 1:
        ready = len(reports) - len(attention)
        summary = f"\n{ready} of {len(reports)} boxes ready"
        if attention:
            summary += f"; need attention: {', '.join(attention)}"
        out.write(summary + "\n")
        out.flush()
    return 1 if attention else 0
