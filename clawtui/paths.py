"""Where clawtui keeps its files: the OS conventions, via platformdirs.

Config (the inventory) lives in the user config dir; the token vault and the audit log live in
the user state dir. `CLAWTUI_CONFIG_DIR` and `CLAWTUI_STATE_DIR` override both, so that the demo,
the tests and the benchmarks can run in a folder of their own and leave nothing behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

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
