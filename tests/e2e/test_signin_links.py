"""Only Anthropic's sign-in links are offered; codes have a sane length (issue 8, items 2 and 5).

A box's output is untrusted: a wrapper, a login script or a compromised `claude` can print a
sign-in link of its own. clawtui offers a link only over https from claude.ai or claude.com in
the two forms the real programs print, an OSC 8 target only where the screen shows that very
link, and anything else shaped like a sign-in link earns a warning naming its host while the
flow waits for the real one. The screens here are drawn through the real terminal model from
bytes, as a box would send them.
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clawtui import flow as f
from clawtui.audit_steps import AuditStep
from clawtui.errors import InventoryError
from clawtui.inventory import Box, find_box, load_inventory, parse_inventory
from clawtui.oauth import (
    MAX_CODE_LENGTH,
    CodeError,
    CodeProblem,
    find_sign_in_links,
    find_sign_in_url,
    normalize_code,
    read_setup_token,
)
from clawtui.secret import Code
from clawtui.sim.boxes import SimBox
from clawtui.sim.server import SimServer
from clawtui.snapshot import ScreenText
from clawtui.terminal import TerminalModel
from tests.conftest import TEST_TIME_SCALE
from tests.customer import code_from_page
from tests.replay import Transcript, all_transcripts
from tests.unit.test_parsers_transcripts import replay, whole_urls

EVIL = "claude.ai.evil.example"
LEAD_IN = "Browser didn't open? Use the URL below to sign in (c to copy)"
PROMPT = "Paste code here if prompted >"


def sign_in_url(origin: str = "https://claude.ai", path: str = "/oauth/authorize") -> str:
    """A full sign-in URL (with state) on `origin`, as claude prints it."""
    return (
        f"{origin}{path}?code=true&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e"
        "&response_type=code&redirect_uri=https%3A%2F%2Fplatform.claude.com%2Foauth%2Fcode"
        f"%2Fcallback&scope=user%3Ainference&code_challenge={secrets.token_urlsafe(32)}"
        f"&code_challenge_method=S256&state={secrets.token_urlsafe(32)}"
    )


def pieces(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def osc8(target: str, text: str) -> str:
    return f"\x1b]8;id=t{secrets.randbelow(999)};{target}\x07{text}\x1b]8;;\x07"


def link_lines(url: str, columns: int = 80, *, target: str | None = None) -> str:
    """The link hard-wrapped at the width; with `target`, every piece in an OSC 8 link to it
    (2.1.332 draws its own link so, with `target == url`)."""
    rows = pieces(url, columns)
    if target is not None:
        rows = [osc8(target, row) for row in rows]
    return "".join(row + "\r\n" for row in rows)


def sign_in_block(url: str, columns: int = 80, *, target: str | None = None) -> str:
    """Lead-in, link, blank line, the inline code prompt: what the flow acts on."""
    return f"{LEAD_IN}\r\n\r\n{link_lines(url, columns, target=target)}\r\n{PROMPT}\r\n"


def screen_of(*chunks: str, columns: int = 80, rows: int = 24) -> ScreenText:
    model = TerminalModel(columns, rows)
    for chunk in chunks:
        model.feed(chunk.encode())
    return model.snapshot()


# ----------------------------------------------------------------------- what is offered


@pytest.mark.parametrize("form", ["text", "osc8"])
@pytest.mark.parametrize("columns", [60, 80, 120])
@pytest.mark.parametrize(
    ("origin", "path"),
    [("https://claude.ai", "/oauth/authorize"), ("https://claude.com", "/cai/oauth/authorize")],
)
def test_anthropic_links_in_both_forms_are_offered(
    origin: str, path: str, columns: int, form: str
) -> None:
    url = sign_in_url(origin, path)
    screen = screen_of(
        sign_in_block(url, columns, target=url if form == "osc8" else None), columns=columns
    )
    links = find_sign_in_links(screen)
    assert links.url is not None and links.url.url == url and links.url.source == form
    assert links.foreign_hosts == ()


def test_a_plain_text_link_to_another_host_is_never_offered() -> None:
    status = read_setup_token(screen_of(sign_in_block(sign_in_url(f"https://{EVIL}"))))
    assert status.prompt_ready
    assert status.url is None
    assert status.foreign_hosts == (EVIL,)


def test_an_osc8_target_elsewhere_behind_claude_text_is_never_offered() -> None:
    real, evil = sign_in_url(), sign_in_url(f"https://{EVIL}")
    # The screen says claude.ai; a click (or a parser trusting targets) would go elsewhere.
    status = read_setup_token(screen_of(sign_in_block(real, target=evil)))
    assert status.url is not None and status.url.url == real and status.url.source == "text"
    assert status.foreign_hosts == (EVIL,)


def test_an_invisible_link_newer_than_the_real_one_never_wins() -> None:
    real = sign_in_url()
    decoys = [sign_in_url() for _ in range(4)]  # Anthropic's host, another state
    screen = screen_of(
        sign_in_block(real, target=real),
        # A one-space link after the prompt, a link over nothing but blanks on a row below...
        "\x1b[1A\x1b[40C" + osc8(decoys[0], " ") + "\r\n",
        osc8(decoys[1], " " * 40) + "\r\n",
        # ...a link whose text is concealed (SGR 8), and one whose text is then overwritten.
        "\x1b[8m" + osc8(decoys[2], decoys[2][:70]) + "\x1b[28m\r\n",
        osc8(decoys[3], decoys[3][:70]) + "\r" + "x" * 70 + "\r\n",
    )
    assert len(screen.links) >= 5
    found = find_sign_in_url(screen)
    assert found is not None and found.url == real and found.source == "osc8"


def test_a_link_counts_only_when_its_text_spells_the_whole_target() -> None:
    real, other = sign_in_url(), sign_in_url()
    # Pieces of the real URL but the target of another: the text path finds the real one.
    screen = screen_of(sign_in_block(real, target=other))
    found = find_sign_in_url(screen)
    assert found is not None and found.url == real and found.source == "text"
    # A target whose text shows only its first row is not a link to offer yet.
    first_row = pieces(real, 80)[0]
    half = screen_of(f"{LEAD_IN}\r\n\r\n{osc8(real, first_row)}\r\n")
    assert find_sign_in_url(half) is None


def test_a_link_after_wide_characters_on_its_row_is_read_by_columns() -> None:
    """Link cells are columns; a plain line holds a wide character once and a combining mark
    with its base: the covered text is still found where the screen shows it."""
    url = sign_in_url()
    prefix = "日本e\u0301 "  # 6 columns, 5 characters
    rows = [osc8(url, url[:74])] + [osc8(url, piece) for piece in pieces(url[74:], 80)]
    screen = screen_of(f"{LEAD_IN}\r\n\r\n{prefix}" + "\r\n".join(rows) + f"\r\n\r\n{PROMPT}\r\n")
    assert screen.links[0].start == 6
    found = find_sign_in_url(screen)
    assert found is not None and found.url == url and found.source == "osc8"


@pytest.mark.parametrize("form", ["text", "osc8"])
def test_http_instead_of_https_is_refused(form: str) -> None:
    url = sign_in_url("http://claude.ai")
    links = find_sign_in_links(
        screen_of(sign_in_block(url, target=url if form == "osc8" else None))
    )
    assert links.url is None
    assert links.foreign_hosts == ("http://claude.ai",)


LOOK_ALIKES = [
    # (origin and path as the box prints them, the host a warning must name or None)
    ("https://claude.ai.evil.example/oauth/authorize", EVIL),
    ("https://evilclaude.ai/oauth/authorize", "evilclaude.ai"),
    ("https://claude.ai@evil.example/oauth/authorize", "evil.example"),
    ("https://claude.ai:443@evil.example/oauth/authorize", "evil.example"),
    ("https://evil.example\\@claude.ai/oauth/authorize", "evil.example"),
    ("https://evil.example\\claude.ai/oauth/authorize", "evil.example"),
    ("https://cl\u0430ude.ai/oauth/authorize", "cl\\u0430ude.ai"),  # Cyrillic а
    ("https://claude.\u0430i/oauth/authorize", "claude.\\u0430i"),
    ("https://claude%2Eai/oauth/authorize", "claude%2Eai"),
    ("https://claude.ai%2F@evil.example/oauth/authorize", "evil.example"),
    ("https://claude.com.evil.example/cai/oauth/authorize", "claude.com.evil.example"),
    # Anthropic's hosts, but not one of the two forms: refused, nothing foreign to name.
    ("https://claude.ai:8443/oauth/authorize", None),
    ("https://claude.com/oauth/authorize", None),
    ("https://claude.ai/cai/oauth/authorize", None),
    ("https://claude.ai/x/oauth/authorize", None),
]


@pytest.mark.parametrize("form", ["text", "osc8"])
@pytest.mark.parametrize(("prefix", "host"), LOOK_ALIKES, ids=[p for p, _ in LOOK_ALIKES])
def test_look_alike_hosts_are_refused_and_named(prefix: str, host: str | None, form: str) -> None:
    url = sign_in_url(prefix, "")
    links = find_sign_in_links(
        screen_of(sign_in_block(url, target=url if form == "osc8" else None))
    )
    assert links.url is None
    assert links.foreign_hosts == ((host,) if host else ())


def test_the_test_origin_is_allowed_only_where_the_box_says_so() -> None:
    base = "http://127.0.0.1:43121"
    for path in ("/oauth/authorize", "/cai/oauth/authorize"):
        url = sign_in_url(base, path)
        screen = screen_of(sign_in_block(url, target=url))
        assert find_sign_in_url(screen) is None  # a real box: never
        found = find_sign_in_url(screen, test_signin_base=base)
        assert found is not None and found.url == url
    for other in (
        "http://127.0.0.1:43122",
        "http://127.0.0.1:431210",
        "http://127.0.0.1:43121.evil.example",
        "https://127.0.0.1:43121",
    ):
        screen = screen_of(sign_in_block(sign_in_url(other)))
        links = find_sign_in_links(screen, test_signin_base=base)
        assert links.url is None, other
        assert links.foreign_hosts, other


@pytest.mark.parametrize("transcript", all_transcripts("claude"), ids=lambda t: t.name)
def test_the_recordings_still_give_their_link_and_no_warning(transcript: Transcript) -> None:
    """Both generations at every recorded size (resizes included): the right link, found from
    the OSC 8 target where 2.1.332 draws one, and never a foreign host."""
    last = None
    for _, screen in replay(transcript):
        status = read_setup_token(screen, test_signin_base="http://127.0.0.1:43121")
        assert status.foreign_hosts == ()
        last = status.url or last
    assert last is not None and last.url == whole_urls(transcript)[-1]
    assert last.source == ("text" if transcript.generation == "2.1.197" else "osc8")


def test_many_hostile_links_are_read_in_one_pass() -> None:
    """A box drawing a thousand wrapped link pieces of a long target must not make each read
    of the screen quadratic: the real link below them is still found, and quickly enough that
    the whole check is a unit test."""
    target = sign_in_url() + "&pad=" + "p" * 3000
    rows = pieces(target, 80)
    flood = "".join(osc8(target, row[:79] + "x") + "\r\n" for row in rows * 25)
    real = sign_in_url()
    screen = screen_of(flood, sign_in_block(real, target=real), rows=24)
    assert len(screen.links) == 1000
    for _ in range(20):
        found = find_sign_in_url(screen)
        assert found is not None and found.url == real


# ----------------------------------------------------------------------- the flow


def started_flow(box: Box) -> f.Flow:
    flow = f.Flow(box)
    flow.handle(f.Begin(None), 0.0)
    flow.handle(f.Connected(), 0.0)
    assert flow.phase == f.Phase.STARTING
    return flow


def warning_for(host: str) -> f.Notify:
    return f.Notify(
        f"the box showed a sign-in link to {host}, which is not Anthropic's: do not send it",
        "warning",
    )


def test_the_flow_warns_once_and_waits_for_the_real_link() -> None:
    flow = started_flow(Box(name="acme-prod", host="203.0.113.7"))
    evil = sign_in_block(sign_in_url(f"https://{EVIL}"), target=sign_in_url(f"https://{EVIL}"))
    out = flow.handle(f.PaneScreen("setup", screen_of(evil)), 1.0)
    assert warning_for(EVIL) in out
    assert f.Audit(AuditStep.LINK_REFUSED, "not anthropic", EVIL) in out
    assert not [e for e in out if isinstance(e, f.UrlReady)]
    assert flow.phase == f.Phase.STARTING and flow.url is None
    # Told once, not on every chunk.
    assert flow.handle(f.PaneScreen("setup", screen_of(evil, "\r\n")), 2.0) == []
    real = sign_in_url()
    out = flow.handle(f.PaneScreen("setup", screen_of(evil, sign_in_block(real, target=real))), 3.0)
    ready = [e for e in out if isinstance(e, f.UrlReady)]
    assert [(r.url.url, r.changed) for r in ready] == [(real, False)]
    assert flow.awaiting_code


def test_a_loopback_link_is_offered_only_for_a_box_with_test_signin_base() -> None:
    base = "http://127.0.0.1:43121"
    url = sign_in_url(base)
    screen = screen_of(sign_in_block(url, target=url))
    real_box = started_flow(Box(name="acme-prod", host="203.0.113.7"))
    out = real_box.handle(f.PaneScreen("setup", screen), 1.0)
    assert warning_for("http://127.0.0.1") in out
    assert real_box.url is None
    demo_box = started_flow(Box(name="acme-prod", host="127.0.0.1", test_signin_base=base))
    out = demo_box.handle(f.PaneScreen("setup", screen), 1.0)
    assert [e.url.url for e in out if isinstance(e, f.UrlReady)] == [url]
    assert not [e for e in out if isinstance(e, f.Notify)]


# ----------------------------------------------------------------------- codes


def long_code(length: int) -> str:
    state = secrets.token_urlsafe(32)
    code = (secrets.token_urlsafe(length) * 2)[: length - len(state) - 1]
    return f"{code}#{state}"


def test_a_code_of_512_characters_is_taken_and_one_of_513_refused() -> None:
    assert MAX_CODE_LENGTH == 512
    fits = long_code(512)
    assert normalize_code(fits) == Code(*fits.split("#"))
    for text in (long_code(513), long_code(1_000_000)):
        with pytest.raises(CodeError) as caught:
            normalize_code(text)
        assert caught.value.problem is CodeProblem.TOO_LONG
        message = str(caught.value)
        assert "512" in message and "nothing was sent" in message.lower()
        assert text[:12] not in message and text.split("#")[1][:12] not in message
    callback = "https://platform.claude.com/oauth/code/callback?code={}&state={}"
    with pytest.raises(CodeError) as caught:
        normalize_code(callback.format(*long_code(513).split("#")))
    assert caught.value.problem is CodeProblem.TOO_LONG


def test_the_flow_sends_no_code_that_is_too_long() -> None:
    flow = started_flow(Box(name="acme-prod", host="203.0.113.7"))
    real = sign_in_url()
    flow.handle(f.PaneScreen("setup", screen_of(sign_in_block(real, target=real))), 1.0)
    assert flow.phase == f.Phase.WAITING_CODE
    state = real.rsplit("state=", 1)[1]
    too_long = ("A" * 600) + "#" + state
    out = flow.handle(f.CodeEntered(too_long), 2.0)
    assert len(out) == 1 and isinstance(out[0], f.CodeRejected)
    assert "512" in out[0].message
    assert flow.phase == f.Phase.WAITING_CODE
    out = flow.handle(f.CodeEntered(f"abc123#{state}"), 3.0)
    assert [type(e) for e in out] == [f.Paste]


# ----------------------------------------------------------------------- the inventory


def parse(**fields: object) -> Box:
    table = {"name": "acme", "host": "203.0.113.7", **fields}
    return parse_inventory({"box": [table]}, path=Path("boxes.toml"))[0]


def test_test_signin_base_is_optional_and_must_be_an_origin() -> None:
    assert parse().test_signin_base is None
    assert parse(test_signin_base="http://127.0.0.1:43121/").test_signin_base == (
        "http://127.0.0.1:43121"
    )
    assert parse(test_signin_base="https://[::1]:8443").test_signin_base == "https://[::1]:8443"
    for bad in (
        "",
        "127.0.0.1:43121",
        "ftp://127.0.0.1",
        "http://127.0.0.1:43121/oauth",
        "http://user@127.0.0.1",
        "http://127.0.0.1:43121?x",
        42,
    ):
        with pytest.raises(InventoryError) as caught:
            parse(test_signin_base=bad)
        assert "test_signin_base" in str(caught.value), bad


async def test_the_simulator_sets_test_signin_base_for_its_boxes(
    sim_server: SimServer, tmp_path: Path
) -> None:
    assert sim_server.signin_base.startswith("http://127.0.0.1:")
    boxes = sim_server.inventory_boxes()
    assert {box.test_signin_base for box in boxes} == {sim_server.signin_base}
    inventory = tmp_path / "boxes.toml"
    sim_server.write_inventory(inventory)
    assert "test_signin_base" in inventory.read_text()
    assert load_inventory(inventory) == boxes


# ----------------------------------------------------------------------- headless, end to end

FOREIGN_BOX = SimBox("mallory-web", "Mallory Ltd", settings={"foreign_link": f"https://{EVIL}"})


@pytest.fixture
async def foreign_fleet(tmp_path: Path) -> AsyncIterator[SimServer]:
    async with SimServer(tmp_path / "sim", (FOREIGN_BOX,), time_scale=TEST_TIME_SCALE) as server:
        yield server


@pytest.mark.slow
async def test_headless_prints_the_warning_and_waits_for_the_real_link(
    foreign_fleet: SimServer, tmp_path: Path
) -> None:
    """The simulated claude prints a whole sign-in block (link and prompt) on a foreign host
    first, then its own: `clawtui onboard` says so on a line of its own, never prints the
    foreign link, and onboards with the real one."""
    inventory = tmp_path / "config" / "boxes.toml"
    inventory.parent.mkdir(parents=True)
    foreign_fleet.write_inventory(inventory)
    env = dict(
        os.environ,
        CLAWTUI_CONFIG_DIR=str(tmp_path / "config"),
        CLAWTUI_STATE_DIR=str(tmp_path / "state"),
        CLAWTUI_OPERATOR="test-operator",
        PYTHONUNBUFFERED="1",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clawtui",
        "onboard",
        FOREIGN_BOX.name,
        "--inventory",
        str(inventory),
        "--default-model",
        "anthropic/claude-sonnet-4-6",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    lines: list[str] = []

    async def read_until(needle: str) -> str:
        assert process.stdout is not None
        try:
            async with asyncio.timeout(30):
                while raw := await process.stdout.readline():
                    lines.append(raw.decode().rstrip("\n"))
                    if needle in lines[-1]:
                        return lines[-1]
        except TimeoutError:
            pass
        raise AssertionError(f"no {needle!r} in:\n" + "\n".join(lines))

    try:
        warning = await read_until("which is not Anthropic's")
        assert warning == (
            f"{FOREIGN_BOX.name}: warning: the box showed a sign-in link to {EVIL}, which is "
            "not Anthropic's: do not send it"
        )
        line = await read_until("Sign-in URL: ")
        url = line.split("Sign-in URL: ", 1)[1]
        assert url.startswith(foreign_fleet.signin_base + "/")
        process.stdin.write((await code_from_page(url)).encode() + b"\n")
        await read_until("Ready: ")
        process.stdin.close()
        async with asyncio.timeout(30):
            lines.extend((await process.stdout.read()).decode().splitlines())
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = "\n".join(lines)
    assert output.count("Sign-in URL: ") == 1
    assert f"{EVIL}/oauth" not in output and "link changed" not in output
    audit = (tmp_path / "state" / "audit.jsonl").read_text()
    assert "sign-in link refused" in audit and EVIL in audit
    assert find_box(load_inventory(inventory), FOREIGN_BOX.name).test_signin_base == (
        foreign_fleet.signin_base
    )


@pytest.mark.slow
async def test_the_tui_shows_the_warning_and_only_the_real_link(
    foreign_fleet: SimServer, tmp_path: Path
) -> None:
    from rich.console import Console
    from textual.widgets import Static

    from clawtui.audit import AuditLog
    from clawtui.tui.app import ClawApp
    from clawtui.tui.screens.boxes import BoxListScreen
    from clawtui.tui.screens.onboard import OnboardScreen
    from clawtui.vault import Vault
    from tests.conftest import wait_for

    app = ClawApp(
        tmp_path / "boxes.toml",
        boxes=foreign_fleet.inventory_boxes(),
        vault=Vault(tmp_path / "state" / "vault"),
        audit=AuditLog(tmp_path / "state" / "audit.jsonl"),
        screenshot_dir=tmp_path,
    )

    def plain(widget: Static) -> str:
        console = Console(width=1000, record=True, file=io.StringIO())
        console.print(widget.content or widget.render())
        return console.export_text()

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        await pilot.press("ctrl+o")
        screen = app.screen
        assert isinstance(screen, OnboardScreen) and screen.box.name == FOREIGN_BOX.name
        await wait_for(lambda: screen.url is not None, 15, "the sign-in link in the panel")
        assert screen.url is not None and screen.url.startswith(foreign_fleet.signin_base + "/")
        warning = f"sign-in link to {EVIL}, which is not Anthropic's: do not send it"
        await wait_for(
            lambda: warning in plain(screen.query_one("#messages", Static)), 5, "the warning"
        )
        panel = plain(screen.query_one("#url-panel", Static))
        assert EVIL not in panel and not screen.onboarding.link_changed
