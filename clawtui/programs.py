"""The programs clawtui runs on a box: how to tell which one a command runs, and how to install
each when it is missing. One wording per program, whoever reports it (the flow, the SSH session,
the box checks)."""

from __future__ import annotations

import os
import re
import shlex

CLAUDE = "claude"
OPENCLAW = "openclaw"
NODE = "node"
NPM = "npm"
#: The npm package that provides `claude`.
CLAUDE_PACKAGE = "@anthropic-ai/claude-code"
#: The npm package that provides `openclaw`.
OPENCLAW_PACKAGE = "openclaw"

_ASSIGNMENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Words that run the program named after them (options of theirs are skipped too).
_PREFIX_WORDS = {"exec", "command", "env", "nohup", "time"}

_INSTALL_HINTS = {
    CLAUDE: f"Install Claude Code there: `npm install -g {CLAUDE_PACKAGE}` (needs Node.js), "
    "then try again.",
    OPENCLAW: f"Install OpenClaw there: `npm install -g {OPENCLAW_PACKAGE}`. It needs Node.js "
    "24.16 or newer: on an older Node, npm silently installs an empty placeholder (0.0.1) "
    "without the command, so check `node --version` first (`clawtui check` does).",
    NODE: "Install Node.js 24 there (for example from NodeSource), then try again.",
    NPM: "Install Node.js 24 there (npm comes with it), then try again.",
}


def program_name(command: str) -> str:
    """The program a shell command runs: its first word after any `VAR=value` assignments
    (and after `exec`, `env` and the like)."""
    try:
        words = shlex.split(command)
    except ValueError:  # unbalanced quotes: the shell will complain; take words as they are
        words = command.split()
    for word in words:
        if not _ASSIGNMENT_RE.match(word) and word not in _PREFIX_WORDS and word[:1] != "-":
            return word
    return command.strip()


def install_hint(program: str) -> str:
    """What to do when `program` (a name or a path) is missing on the box."""
    base = os.path.basename(program)
    return _INSTALL_HINTS.get(
        base, f"Install `{base}` there, or fix the command in the inventory, then try again."
    )
