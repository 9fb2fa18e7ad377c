"""After the paste (issue 7): reading `models status --json` / `gateway status --json`, and the
simulated OpenClaw's default model, `models set`, `--check`, `--expires-in` and gateway states.

JSON shapes follow FLOW.md ("After the paste"); the simulator is run as a plain command, the way
the runner runs these non-interactive commands over an exec channel.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clawtui.checks import (
    CheckResult,
    Probe,
    Status,
    judge_default_model,
    judge_gateway,
    judge_token_expiry,
)
from clawtui.errors import ClawError, OpenClawAnswerError
from clawtui.inventory import Box
from clawtui.openclaw import (
    GatewayState,
    parse_gateway_status_json,
    parse_models_status_json,
    read_models_status,
)
from clawtui.sim.config import SimConfig

REPO = Path(__file__).resolve().parent.parent.parent


def fake_token(length: int = 108) -> str:
    prefix = "sk-ant-oat01-"
    return prefix + secrets.token_urlsafe(length)[: length - len(prefix)]


def status_json(token: str | None, *, default: str = "openai/gpt-6-astra", **oauth: object) -> str:
    labels = [f"anthropic:manual=token:{token[:8]}...{token[-8:]}"] if token else []
    profiles = [{"label": "anthropic:manual", "status": "ok", **oauth}] if oauth else []
    return json.dumps(
        {
            "defaultModel": default,
            "resolvedDefault": default,
            "auth": {
                "providers": [{"provider": "anthropic", "profiles": {"labels": labels}}],
                "oauth": {"profiles": profiles},
            },
        },
        indent=2,
    )


# --- parsers ------------------------------------------------------------------------------------


def test_models_status_json_reads_label_default_and_expiry_through_banners() -> None:
    token = fake_token()
    text = (
        "OpenClaw 2026.9.6 (eb377ac)\nInstalled Gateway service state could not be verified.\n"
        + status_json(token, expiresAt=1_800_000_000_000, remainingMs=31_000_000_000)
        + "\n(node:42) ExperimentalWarning: something\n"
    )
    status = parse_models_status_json(text)
    assert status.manual_last8 == token[-8:]
    assert status.default_model == "openai/gpt-6-astra"
    assert status.expires_at_ms == 1_800_000_000_000
    assert status.remaining_ms == 31_000_000_000
    assert status.profile_status == "ok"
    assert not status.from_text


def test_models_status_json_tolerates_missing_fields() -> None:
    status = parse_models_status_json('{"defaultModel": "anthropic/claude-sonnet-4-6"}')
    assert status.default_model == "anthropic/claude-sonnet-4-6"
    assert status.manual_last8 is None and status.expires_at_ms is None
    # A different shape everywhere below `auth`: nothing found, nothing raised.
    odd = parse_models_status_json('{"auth": {"providers": "x", "oauth": [1, 2]}}')
    assert odd.manual_last8 is None and odd.default_model is None
    # A box's answer is untrusted: no escape sequence reaches the operator's terminal.
    hostile = parse_models_status_json('{"defaultModel": "openai/x\\u001b]52;c;AAAA\\u0007"}')
    assert hostile.default_model is not None and "\x1b" not in hostile.default_model
    # Only resolvedDefault: it stands in for the default.
    assert parse_models_status_json('{"resolvedDefault": "a/b"}').default_model == "a/b"


@pytest.mark.parametrize(
    "text",
    ['{"defaultModel": "openai/gpt-6-astra", "auth": {', "{not json at all}", '{"a": [1, 2'],
)
def test_malformed_models_status_json_is_a_clear_error(text: str) -> None:
    with pytest.raises(OpenClawAnswerError) as caught:
        read_models_status("OpenClaw 2026.9.6\n" + text)
    assert isinstance(caught.value, ClawError)
    assert "broken JSON" in str(caught.value)


def test_older_openclaw_text_form_is_the_fallback() -> None:
    token = fake_token()
    older = (
        "Config        : ~/.openclaw/openclaw.json\n"
        "Default       : openai/gpt-5\n"
        "- anthropic effective=profiles | profiles=1 (oauth=0, token=1, api_key=0) | "
        f"anthropic:manual=token:{token[:8]}...{token[-8:]}\n"
        "error: unknown option '--json'\n"
    )
    status = read_models_status(older)
    assert status.from_text
    assert status.manual_last8 == token[-8:]
    assert status.default_model == "openai/gpt-5"
    assert status.expires_at_ms is None


def test_gateway_status_json_states() -> None:
    no_manager = parse_gateway_status_json(
        'banner\n{"service": {"loaded": false}, "inspectionReason": "service-manager-unavailable"}'
    )
    assert no_manager.state == GatewayState.NO_SERVICE_MANAGER
    assert no_manager.loaded is False
    running = parse_gateway_status_json(
        '{"service": {"loaded": true, "runtime": {"status": "running", "pid": 7}}}'
    )
    assert running.state == GatewayState.RUNNING
    failed = parse_gateway_status_json(
        '{"service": {"loaded": true, "runtime": {"status": "failed"}}}'
    )
    assert failed.state == GatewayState.STOPPED and failed.runtime == "failed"
    assert parse_gateway_status_json('{"service": {}}').state == GatewayState.UNKNOWN
    not_loaded = parse_gateway_status_json('{"service": {"loaded": false}}')
    assert not_loaded.state == GatewayState.NOT_LOADED
    with pytest.raises(OpenClawAnswerError):
        parse_gateway_status_json('{"service": {"loaded": tru')
    with pytest.raises(OpenClawAnswerError):
        parse_gateway_status_json("Gateway: running\n")


# --- the simulated OpenClaw ---------------------------------------------------------------------


def make_home(tmp_path: Path, **settings: object) -> Path:
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {"box": "test-box", "time_scale": 0.0}
    config.update(settings)
    SimConfig(**config).save(home)  # type: ignore[arg-type]
    return home


def openclaw(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clawtui.sim.openclaw", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={"HOME": str(home), "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)},
        cwd=str(home),
        timeout=60,
    )


def paste(home: Path, token: str, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ("models", "auth", "paste-token", "--provider", "anthropic", *extra)
    return openclaw(home, *args, stdin=token + "\n")


def test_sim_fresh_box_defaults_to_openai_and_check_says_missing(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    token = fake_token()
    pasted = paste(home, token)
    assert pasted.returncode == 0
    assert "Run `openclaw gateway restart`" in pasted.stderr  # the warning is on stderr
    assert "Gateway could not refresh" not in pasted.stdout
    status = read_models_status(openclaw(home, "models", "status", "--json").stdout)
    assert status.default_model == "openai/gpt-6-astra"
    assert status.manual_last8 == token[-8:]
    assert status.expires_at_ms is None  # no --expires-in: a static profile
    check = openclaw(home, "models", "status", "--check")
    assert check.returncode == 1
    assert "Missing auth - openai" in check.stdout


def test_sim_models_set_then_check_is_ready_with_an_expiry(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    token = fake_token()
    before = time.time()
    assert paste(home, token, "--expires-in", "365d").returncode == 0
    switched = openclaw(home, "models", "set", "anthropic/claude-sonnet-4-6")
    assert switched.returncode == 0
    assert "Default model: anthropic/claude-sonnet-4-6" in switched.stdout
    assert "Backup: ~/.openclaw/openclaw.json.bak" in switched.stdout
    status = read_models_status(openclaw(home, "models", "status", "--json").stdout)
    assert status.default_model == "anthropic/claude-sonnet-4-6"
    assert status.expires_at_ms is not None
    days = (status.expires_at_ms / 1000 - before) / 86400
    assert 364.9 < days < 365.1
    assert openclaw(home, "models", "status", "--check").returncode == 0


@pytest.mark.parametrize(("cap", "code", "words"), [(3.0, 2, "Expiring"), (-1.0, 1, "Expired")])
def test_sim_check_expiring_and_expired(tmp_path: Path, cap: float, code: int, words: str) -> None:
    home = make_home(
        tmp_path,
        openclaw_default_model="anthropic/claude-sonnet-4-6",
        openclaw_expiry_cap_days=cap,
    )
    assert paste(home, fake_token(), "--expires-in", "365d").returncode == 0
    check = openclaw(home, "models", "status", "--check")
    assert check.returncode == code
    assert words in check.stdout


def test_sim_gateway_states(tmp_path: Path) -> None:
    service = make_home(tmp_path / "a")
    restarted = openclaw(service, "gateway", "restart")
    assert restarted.returncode == 0
    state = parse_gateway_status_json(openclaw(service, "gateway", "status", "--json").stdout)
    assert state.state == GatewayState.RUNNING

    bare = make_home(tmp_path / "b", gateway="no_service_manager")
    restarted = openclaw(bare, "gateway", "restart")
    assert restarted.returncode == 0  # exit 0 although nothing restarted
    assert "Tip:" in restarted.stdout
    state = parse_gateway_status_json(openclaw(bare, "gateway", "status", "--json").stdout)
    assert state.state == GatewayState.NO_SERVICE_MANAGER and state.loaded is False

    broken = make_home(tmp_path / "c", gateway="restart_fails")
    restarted = openclaw(broken, "gateway", "restart")
    assert restarted.returncode == 1 and "Gateway restart failed" in restarted.stderr
    state = parse_gateway_status_json(openclaw(broken, "gateway", "status", "--json").stdout)
    assert state.state == GatewayState.STOPPED


# --- checks: default model, gateway, token expiry -----------------------------------------------


def probe(name: str, output: str) -> Probe:
    return Probe(name, "/usr/bin/openclaw", output, 0)


CHECK_BOX = Box(name="acme-prod", host="h")
NOW_MS = 1_800_000_000_000
DAY_MS = 86_400_000


def test_check_default_model() -> None:
    token = fake_token()
    on_openai = judge_default_model(CHECK_BOX, probe("models", status_json(token)))
    assert on_openai.status is Status.WARN and "not Claude" in on_openai.found
    assert "--default-model" in on_openai.advice
    on_claude = status_json(token, default="anthropic/claude-sonnet-4-6")
    assert judge_default_model(CHECK_BOX, probe("models", on_claude)).status is Status.OK
    broken = judge_default_model(CHECK_BOX, probe("models", '{"defaultModel": '))
    assert broken.status is Status.WARN and broken.found == "not readable"
    assert judge_default_model(CHECK_BOX, None).status is Status.UNKNOWN


def test_check_gateway() -> None:
    bare = '{"service": {"loaded": false}, "inspectionReason": "service-manager-unavailable"}'
    result = judge_gateway(CHECK_BOX, probe("gateway", bare))
    assert result.status is Status.WARN and "not installed as a service" in result.advice
    running = '{"service": {"loaded": true, "runtime": {"status": "running"}}}'
    assert judge_gateway(CHECK_BOX, probe("gateway", running)).status is Status.OK


def test_check_token_expiry_warns_under_30_days() -> None:
    token = fake_token()

    def expiry(days: float) -> CheckResult:
        answer = status_json(token, expiresAt=int(NOW_MS + days * DAY_MS))
        return judge_token_expiry(CHECK_BOX, probe("models", answer), NOW_MS)

    assert expiry(200).status is Status.OK
    assert expiry(29).status is Status.WARN and "Renew acme-prod" in expiry(29).advice
    assert expiry(-1).status is Status.WARN and expiry(-1).found.startswith("expired")
    static = judge_token_expiry(CHECK_BOX, probe("models", status_json(token)), NOW_MS)
    assert static.status is Status.WARN and static.found == "no expiry recorded"
    nothing = judge_token_expiry(CHECK_BOX, probe("models", status_json(None)), NOW_MS)
    assert nothing.status is Status.OK and nothing.found == "no Claude token stored yet"
