"""The screen behind every pane: bytes from a remote program in, what a person would see out.

`TerminalModel` (model.py) ties together the pre-filter (escapes.py), the pyte screen
(screen.py, on clawtui/fastscreen.py) and the scrollback (scrollback.py); see model.py.
"""

from clawtui.fastscreen import StyleKey

from .cells import Cell
from .escapes import ClipboardRequest, TerminalEvent
from .model import DISPLAY_ERROR_TEXT, TerminalModel, display_error
from .scrollback import ScrollbackRow

__all__ = [
    "DISPLAY_ERROR_TEXT",
    "Cell",
    "ClipboardRequest",
    "ScrollbackRow",
    "StyleKey",
    "TerminalEvent",
    "TerminalModel",
    "display_error",
]
