"""The gates: lint, format, strict types and the layers, checked by the suite itself, so the
README's one test command checks all of it and nothing depends on someone remembering to."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

import clawtui

ROOT = Path(__file__).parent.parent.parent
BIN = Path(sys.executable).parent
CHECKED = ["clawtui", "tests", "benchmarks"]
#: Not the core: the TUI, the simulator and the command line may import anything.
NOT_CORE = ("clawtui.tui", "clawtui.sim", "clawtui.__main__", "clawtui.cli")


def run(*command: str) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"


def test_ruff_check() -> None:
    run(sys.executable, "-m", "ruff", "check", *CHECKED)


def test_ruff_format() -> None:
    run(sys.executable, "-m", "ruff", "format", "--check", *CHECKED)


@pytest.mark.slow
def test_mypy_strict() -> None:
    run(sys.executable, "-m", "mypy", "--strict", *CHECKED)


def test_import_contracts() -> None:
    run(str(BIN / "lint-imports"), "--no-cache")


def core_modules() -> set[str]:
    modules = {
        info.name
        for info in pkgutil.walk_packages(clawtui.__path__, "clawtui.")
        if not info.name.startswith(NOT_CORE)
    }
    return modules


def test_the_contracts_name_every_core_module() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    core = core_modules()
    assert core, "no core modules found"
    for contract in contracts:
        if contract["name"].startswith("The core"):
            assert set(contract["source_modules"]) == core, contract["name"]


def test_no_import_circle_in_the_package() -> None:
    graph = grimp.build_graph("clawtui")  # imports under TYPE_CHECKING count too
    circles = sorted(
        {
            tuple(sorted((module, imported)))
            for module in graph.modules
            for imported in graph.find_modules_directly_imported_by(module)
            if graph.chain_exists(importer=imported, imported=module)
        }
    )
    assert not circles, f"import circles: {circles}"
