"""The real Claude Code 2.1.332 (from npm) on a box behind OpenSSH's sshd, offline.

Nobody can sign in to Anthropic from CI, but everything up to the sign-in service's answer is
the real program: it prints the full sign-in link (with `state`) when clawtui's default command
sets `CLAUDE_CODE_FULL_SIGN_IN_LINK=1`, takes a well-formed CODE#STATE in its masked input box,
and then fails to reach the service, because the box has no network. clawtui must read the link
off the real screen and report that failure as the sign-in service being unreachable.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from clawtui import flow as f
from clawtui.audit import AuditLog
from clawtui.oauth import SetupTokenErrorKind
from clawtui.runner import Runner, RunnerListener
from clawtui.vault import Vault
from tests.real.sshd import SshdBox

pytestmark = [pytest.mark.real, pytest.mark.slow]


#: A well-formed code the sign-in service could have shown (48 characters, like the real ones).
def well_formed_code(state: str) -> str:
    return f"{secrets.token_urlsafe(36)[:48]}#{state}"


class OfflineCustomer(RunnerListener):
    """Sends one well-formed code for the first link, then stops the run once claude answered."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.osc8_targets: set[str] = set()
        self.audits: list[f.Audit] = []
        self.notices: list[str] = []
        self.claude_screen: tuple[str, ...] = ()
        self.code_sent = False

    def on_effect(self, runner: Runner, effect: f.Effect) -> None:
        match effect:
            case f.UrlReady(url=url):
                self.urls.append(url.url)
                model = runner.models[f.SETUP]
                self.osc8_targets = {link.url for link in model.snapshot().links}
                if not self.code_sent and url.state:
                    self.code_sent = True
                    runner.enter_code(well_formed_code(url.state))
            case f.Audit(step="code refused"):
                self.audits.append(effect)
                self.claude_screen = runner.models[f.SETUP].snapshot().screen
                runner.abort("the test has seen claude's answer")
            case f.Audit():
                self.audits.append(effect)
            case f.Notify(message=message):
                self.notices.append(message)
            case _:
                pass


async def test_real_claude_full_link_and_unreachable_sign_in_service(
    claude_box: SshdBox, tmp_path: Path
) -> None:
    customer = OfflineCustomer()
    runner = Runner(
        claude_box.box(),  # the default command: CLAUDE_CODE_FULL_SIGN_IN_LINK=1 claude setup-token
        vault=Vault(tmp_path / "vault"),
        audit=AuditLog(tmp_path / "audit.jsonl", operator="real-test"),
        listener=customer,
        timeouts=f.Timeouts(connect=60, url=90, exchange=120),
    )
    try:
        async with asyncio.timeout(300):
            outcome = await runner.run()
    finally:
        await runner.close()
    steps = [(audit.step, audit.outcome, audit.reason) for audit in customer.audits]

    # The full link, read off the real screen: Anthropic's host, the authorize path, a state.
    assert customer.urls, steps
    url = customer.urls[0]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "claude.com",
        "/cai/oauth/authorize",
    )
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["https://platform.claude.com/oauth/code/callback"]
    assert len(query["state"][0]) >= 32, url
    # The same link the program put in its OSC 8 hyperlink: nothing lost to the wrapping.
    assert customer.osc8_targets == {url}

    # The code reached claude, which could not reach the sign-in service; clawtui says so.
    assert customer.code_sent
    refused = [audit for audit in customer.audits if audit.step == "code refused"]
    assert refused, steps
    assert refused[0].outcome == SetupTokenErrorKind.SERVICE_UNREACHABLE.value, steps
    screen = "\n".join(customer.claude_screen)
    assert "Couldn't get an answer from the sign-in service" in screen, screen
    assert any("cannot reach Anthropic's sign-in service" in notice for notice in customer.notices)
    assert outcome.failure is not None and runner.flow.token is None
