"""OpenClaw's prompt refusing the token in words this clawtui does not know.

Found while mutating the parsers under the `real` tests: a validation message the OpenClaw
parser does not recognise (`Validation.OTHER`, say a newer OpenClaw's wording) made the flow
raise `KeyError` inside the Runner, so the onboarding died instead of failing with a reason.
The box's output must never crash clawtui: the flow fails the paste with OpenClaw's own words.
"""

from __future__ import annotations

import dataclasses

from clawtui import flow as f
from clawtui.secret import Token
from tests.replay import load
from tests.unit.test_flow import Driver

RECORDED = b"Expected token starting with sk-ant-oat01-"
#: Same length, so that the recorded cursor moves still land where they did.
UNKNOWN = b"Token refused by a policy of this host".ljust(len(RECORDED))


def test_an_unknown_refusal_fails_the_paste_with_openclaws_words() -> None:
    recorded = load("openclaw-paste-token-80x24-badtoken")
    assert RECORDED in recorded.output
    transcript = dataclasses.replace(
        recorded,
        steps=tuple(
            dataclasses.replace(step, data=step.data.replace(RECORDED, UNKNOWN))
            for step in recorded.steps
        ),
    )
    driver = Driver()
    driver.begin(resume_token=Token("sk-ant-oat01-" + "A" * 95))
    index = driver.replay("paste", transcript, stop="in")
    assert [e for e in driver.of(f.Paste) if e.pane == "paste"], "the token was pasted"

    driver.replay("paste", transcript, start=index)

    failure = driver.flow.failure
    assert failure is not None and failure.step == f.Step.PASTE
    assert "Token refused by a policy of this host" in failure.reason
    assert f.Recovery.RESUME in failure.recoveries
    assert f.Send("paste", b"\x03") in driver.effects, "OpenClaw's prompt is left cleanly"
