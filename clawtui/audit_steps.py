"""The steps an audit line can name: one home for the strings the flow and the runner write.

A leaf module (it imports nothing of clawtui) so the flow, the runner, the audit log, the report
and the box list can all name a step without importing one another. The values are the JSON
lines' `step` strings, unchanged: logs written before this enum still read (`AuditRecord.step`
stays a plain `str`, which compares equal to a member of the same value).
"""

from __future__ import annotations

from enum import StrEnum


class AuditStep(StrEnum):
    # The run's own milestones.
    CONNECT = "connect"
    RENEW = "renew"  # a box that was ready before is onboarded again
    RESUME = "resume"  # started with the token kept in the vault (also the recovery's name)
    SETUP_STARTED = "setup-token started"
    LINK_REFUSED = "sign-in link refused"
    URL_READY = "url ready"
    CODE_SENT = "code sent"
    CODE_REFUSED = "code refused"
    TOKEN_IGNORED = "token-like text ignored"
    TOKEN_CAPTURED = "token captured"
    TOKEN_STORED = "token stored"
    TOKEN_DELETED = "token deleted"
    PASTE_PROMPT = "paste prompt"
    TOKEN_PASTED = "token pasted"
    DEFAULT_MODEL = "default model"
    GATEWAY = "gateway"
    NOT_IN_USE = "not in use"  # final: stored, but the operator kept another default model
    READY = "ready"  # final: OpenClaw's ready check passed
    # A failure line names the tracker step that failed (`flow.Step`'s values; outcome "failed").
    START = "start setup-token"
    URL = "sign-in URL ready"
    CODE = "code from customer"
    PROMPT = "OpenClaw prompt"
    VERIFYING = "verifying"
    CHECK = "ready check"
    # A recovery line names the operator's choice (`flow.Recovery`'s values; outcome "requested").
    RETRY_CODE = "retry code"
    RESTART = "restart"
    VERIFY_AGAIN = "verify again"
    RETRY_STORE = "retry saving"
    PASTE_UNKEPT = "paste without keeping it"
    # Written by clawtui before issue 7 (its final line); never written now, still read.
    VERIFIED = "verified"


#: Steps that end an onboarding. A failure ends one too, whatever its step: outcome "failed".
FINAL_STEPS: tuple[AuditStep, ...] = (AuditStep.READY, AuditStep.NOT_IN_USE, AuditStep.VERIFIED)

#: The outcome of the line that ends a failed run (its step is the tracker step that failed).
FAILED = "failed"
