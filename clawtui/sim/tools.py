"""Simulated `node`, `npm` and `free` for demo boxes: what clawtui's box checks look at.

Before onboarding, clawtui checks a box: is Node new enough for OpenClaw, is `openclaw` really
installed (on an old Node, npm silently installs the empty 0.0.1 placeholder), is there enough
memory. These stand-ins print what the real tools print on Ubuntu, driven by the box's
`SimConfig`, so every failure scenario can be shown without a real machine. Run as
`python -m clawtui.sim.tools node|npm|free ARGS`; standard library only.
"""

from __future__ import annotations

import json
import sys

from clawtui.sim._term import eprint, load_config
from clawtui.sim.config import SimConfig

GLOBAL_PREFIX = "/usr/lib"


def npm_version(node_version: str) -> str:
    """The npm that ships with that Node (close enough for a box check)."""
    major = node_version.lstrip("v").split(".", 1)[0]
    return {"24": "11.6.2", "22": "10.9.4", "20": "10.8.2", "18": "10.8.2"}.get(major, "10.2.4")


def openclaw_package_version(config: SimConfig) -> str | None:
    if config.scenario == "openclaw_missing":
        return None
    if config.scenario == "openclaw_placeholder":
        return "0.0.1"
    return config.openclaw_version


def node(config: SimConfig, args: list[str]) -> int:
    if args[:1] in (["--version"], ["-v"]):
        print(config.node_version)
        return 0
    if args[:1] in (["-p"], ["-e"], ["--print"], ["--eval"]) and len(args) > 1:
        if "process.version" in args[1] and args[:1] in (["-p"], ["--print"]):
            print(config.node_version)
            return 0
        eprint("node: this simulated box only answers `node --version`\n")
        return 1
    if not args:
        eprint("node: the REPL is not available on this simulated box\n")
        return 1
    eprint(f"node:internal/modules/cjs/loader: Cannot find module '{args[0]}'\n")
    return 1


def npm(config: SimConfig, args: list[str]) -> int:
    if args[:1] in (["--version"], ["-v"]):
        print(npm_version(config.node_version))
        return 0
    if args[:1] in (["ls"], ["list"], ["la"], ["ll"]) and ("-g" in args or "--global" in args):
        return npm_ls_global(config, [a for a in args[1:] if not a.startswith("-")], args)
    if args[:1] in (["ls"], ["list"]):
        print("/home/ubuntu\n└── (empty)\n")
        return 1
    if not args:
        print("npm <command>\n\nUsage:\n\nnpm install        install all the dependencies\n")
        return 1
    eprint(f'npm error Unknown command: "{args[0]}"\n')
    return 1


def npm_ls_global(config: SimConfig, names: list[str], args: list[str]) -> int:
    installed = {
        "@anthropic-ai/claude-code": config.claude_version,
        "corepack": "0.34.0",
        "npm": npm_version(config.node_version),
    }
    openclaw = openclaw_package_version(config)
    if openclaw is not None:
        installed["openclaw"] = openclaw
    shown = {
        name: version for name, version in sorted(installed.items()) if not names or name in names
    }
    if "--json" in args:
        dependencies = {
            name: {"version": version, "overridden": False} for name, version in shown.items()
        }
        print(json.dumps({"dependencies": dependencies} if dependencies else {}, indent=2))
        return 0 if shown or not names else 1
    lines = [GLOBAL_PREFIX]
    if not shown:
        lines.append("└── (empty)")
    items = list(shown.items())
    for index, (name, version) in enumerate(items):
        branch = "└──" if index == len(items) - 1 else "├──"
        lines.append(f"{branch} {name}@{version}")
    print("\n".join(lines) + "\n")
    return 0 if shown or not names else 1


def free(config: SimConfig, args: list[str]) -> int:
    unit = 1024  # default: kibibytes
    for arg in args:
        if arg in ("-b", "--bytes"):
            unit = 1
        elif arg in ("-k", "--kibi"):
            unit = 1024
        elif arg in ("-m", "--mebi"):
            unit = 1024**2
        elif arg in ("-g", "--gibi"):
            unit = 1024**3
        elif arg in ("-h", "--human", "-w", "--wide", "-t", "--total"):
            continue
        else:
            eprint(f"free: invalid option -- '{arg.lstrip('-')}'\nUsage:\n free [options]\n")
            return 1
    total = config.mem_total_mb * 1024**2
    used = total * 16 // 100
    buff_cache = total * 25 // 100
    shared = 2 * 1024**2
    free_bytes = total - used - buff_cache
    available = total - used - total * 3 // 100  # a bit less than what is not in use
    human = "-h" in args or "--human" in args

    def cell(value: int) -> str:
        if human:
            mebibytes = value / 1024**2
            return f"{mebibytes / 1024:.1f}Gi" if mebibytes >= 1024 else f"{mebibytes:.0f}Mi"
        return str(value // unit)

    header = " " * 8 + "".join(
        f"{title:>12}" for title in ("total", "used", "free", "shared", "buff/cache", "available")
    )
    memory = f"{'Mem:':<8}" + "".join(
        f"{cell(value):>12}" for value in (total, used, free_bytes, shared, buff_cache, available)
    )
    swap = f"{'Swap:':<8}" + "".join(f"{cell(0):>12}" for _ in range(3))
    print("\n".join((header, memory, swap)))
    return 0


TOOLS = {"node": node, "npm": npm, "free": free}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in TOOLS:
        eprint("usage: python -m clawtui.sim.tools node|npm|free [ARGS]\n")
        return 2
    config, _home = load_config()
    return TOOLS[args[0]](config, args[1:])


if __name__ == "__main__":
    sys.exit(main())
