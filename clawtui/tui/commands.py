"""The command palette's boxes: "Onboard X" and "Shell on X" for every box, found as you type.

A provider rather than two system commands per box: an empty palette shows the boxes that have
something open (their onboarding or shell), and typing searches the whole inventory, so fifty
boxes do not bury the app's own commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message

from .context import Workspace
from .messages import OpenShell, ShowOnboarding, StartOnboarding


class BoxCommands(Provider):
    """Onboard a box, open a shell on it, or go back to its running onboarding."""

    def _commands(self) -> Iterator[tuple[str, str, Message, bool]]:
        """(title, help, message to post, whether it is open now) for every box."""
        workspace = cast(Workspace, self.app)
        for box in workspace.boxes:
            name = box.name
            where = box.customer or box.host
            running = workspace.fleet.get(name) is not None
            if running:
                yield (
                    f"Show onboarding of {name}",
                    f"Back to {name}'s onboarding ({where})",
                    ShowOnboarding(name),
                    True,
                )
            else:
                yield (
                    f"Onboard {name}",
                    f"Connect {name} ({where}) to a Claude subscription",
                    StartOnboarding((name,)),
                    False,
                )
            yield (
                f"Shell on {name}",
                f"Open a live login shell on {name}",
                OpenShell(name),
                workspace.shell_state(name) is not None,
            )

    async def discover(self) -> Hits:
        for title, help_text, message, is_open in self._commands():
            if is_open:
                yield DiscoveryHit(title, partial(self.app.post_message, message), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, message, _ in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self.app.post_message, message),
                    help=help_text,
                )
