"""The `clawtui` command line: the TUI, the demo, the simulator and the headless commands.

Exit statuses: 0 success, 1 the work failed (the message says why and what to do), 2 the command
line or the inventory is wrong, 3 (`onboard`) the token is stored but OpenClaw's default model is
not an Anthropic one, 130 interrupted. Errors are printed as one clear message, never a
traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from .errors import ClawError, InventoryError
from .inventory import Box, find_box, load_inventory
from .paths import default_inventory

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clawtui",
        description=(
            "Connect OpenClaw boxes to a Claude subscription: run `claude setup-token` over SSH, "
            "take the customer's CODE#STATE, capture the token and paste it into OpenClaw."
        ),
    )
    parser.add_argument(
        "--inventory",
        metavar="FILE",
        type=Path,
        help=f"the boxes file (default: {default_inventory()})",
    )
    # `--inventory` is accepted before or after the command (`clawtui onboard BOX --inventory F`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--inventory", metavar="FILE", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("tui", parents=[common], help="the box list and live panes (the default)")
    demo = commands.add_parser(
        "demo", help="the TUI on simulated boxes served by a built-in loopback SSH server"
    )
    demo.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiply the simulated programs' delays (default 1: as slow as the real ones)",
    )
    demo.add_argument(
        "--screenshots",
        metavar="DIR",
        type=Path,
        help="run the demo headless, walk through it and save its screens to DIR (for the README)",
    )
    sim = commands.add_parser(
        "sim", help="serve the simulated boxes alone; writes an inventory and a known_hosts file"
    )
    sim.add_argument("--dir", type=Path, help="folder for the files (default: a temporary one)")
    sim.add_argument("--time-scale", type=float, default=1.0)
    onboard = commands.add_parser(
        "onboard",
        parents=[common],
        help="onboard one box without the TUI (reads CODE#STATE from standard input)",
    )
    onboard.add_argument("box", help="the box's name in the inventory")
    onboard.add_argument(
        "--resume",
        action="store_true",
        help="paste the token kept in the vault (after a drop or a failed paste); no new sign-in",
    )
    onboard.add_argument(
        "--accept-new-host-key",
        action="store_true",
        help="trust a box whose host key is not known yet (a changed key is always refused)",
    )
    onboard.add_argument(
        "--default-model",
        metavar="MODEL",
        help=(
            "when OpenClaw's default model is not an Anthropic one, switch it to MODEL (e.g. "
            "anthropic/claude-sonnet-4-6); without it (or default_model in the inventory) the "
            "command ends 'Stored but not in use' with exit status 3"
        ),
    )
    onboard.add_argument(
        "--no-restart-gateway",
        action="store_true",
        help="do not restart OpenClaw's gateway when it says it could not refresh the new auth",
    )
    check = commands.add_parser(
        "check", parents=[common], help="check that boxes are ready to be onboarded"
    )
    check.add_argument("box", nargs="?", help="the box's name in the inventory")
    check.add_argument("--all", action="store_true", help="check every box in the inventory")
    imports = commands.add_parser(
        "import", help="boxes from ~/.ssh/config or a CSV file, as [[box]] entries to review"
    ).add_subparsers(dest="source", metavar="SOURCE", required=True)
    from_config = imports.add_parser(
        "ssh-config", parents=[common], help="the Host entries of an OpenSSH client config"
    )
    from_config.add_argument("file", type=Path, nargs="?", help="default: ~/.ssh/config")
    from_csv = imports.add_parser(
        "csv", parents=[common], help="a CSV file: a header row, then one box a line"
    )
    from_csv.add_argument(
        "file", type=Path, help="columns name, host (required), user, port, key, customer, jump"
    )
    for importer in (from_config, from_csv):
        importer.add_argument(
            "--write",
            action="store_true",
            help="append them to the inventory (a name it already has is skipped); "
            "without it they are only printed",
        )
    return parser


def _load(path: Path | None) -> tuple[Path, list[Box]]:
    inventory = path or default_inventory()
    return inventory, load_inventory(inventory)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except InventoryError as error:
        print(f"clawtui: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ClawError as error:
        print(f"clawtui: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("clawtui: interrupted", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command or "tui"
    if command == "onboard":
        if args.default_model is not None and "/" not in args.default_model.strip("/"):
            print(
                "clawtui onboard: --default-model wants provider/model, e.g. "
                "anthropic/claude-sonnet-4-6",
                file=sys.stderr,
            )
            return EXIT_USAGE
        _, boxes = _load(args.inventory)
        box = find_box(boxes, args.box)
        from .headless import onboard

        return asyncio.run(
            onboard(
                box,
                resume=args.resume,
                accept_new_host_key=args.accept_new_host_key,
                default_model=args.default_model,
                restart_gateway=False if args.no_restart_gateway else None,
            )
        )
    if command == "check":
        if args.all == bool(args.box):
            print("clawtui check: name one BOX, or use --all", file=sys.stderr)
            return EXIT_USAGE
        _, boxes = _load(args.inventory)
        chosen = boxes if args.all else [find_box(boxes, args.box)]
        from .checks import run_checks_cli

        return asyncio.run(run_checks_cli(chosen))
    if command == "import":
        from .importer import run_import_cli

        inventory = args.inventory or default_inventory()
        return run_import_cli(args.source, args.file, write=args.write, inventory=inventory)
    if command == "sim":
        return asyncio.run(_serve_sim(args.dir, args.time_scale))
    if command == "demo" and args.screenshots:
        from .tui.shots import run_screenshots

        return run_screenshots(args.screenshots)
    if command == "demo":
        from .tui.app import run_demo

        return run_demo(time_scale=args.time_scale)
    from .tui.app import run_tui

    return run_tui(args.inventory)


async def _serve_sim(folder: Path | None, time_scale: float) -> int:
    from .sim.server import SimServer

    with tempfile.TemporaryDirectory(prefix="clawtui-sim-") as temp:
        root = folder or Path(temp)
        root.mkdir(parents=True, exist_ok=True)
        async with SimServer(root, time_scale=time_scale) as server:
            inventory = root / "boxes.toml"
            server.write_inventory(inventory)
            print(f"Simulated boxes on 127.0.0.1:{server.port}", flush=True)
            print(f"Inventory:   {inventory}", flush=True)
            print(f"known_hosts: {server.known_hosts}", flush=True)
            print(f"Try: clawtui --inventory {inventory} onboard acme-prod", flush=True)
            print("Press Ctrl-C to stop.", flush=True)
            stop = asyncio.Event()
            try:
                await stop.wait()
            except asyncio.CancelledError:
                pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
