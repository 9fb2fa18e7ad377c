"""The simulated customer's browser page: what it serves, what it refuses, and its code.

The page is a real asyncio HTTP server on 127.0.0.1 port 0; requests go over real sockets
(urllib in a worker thread, since the server runs on the test's own event loop, or raw
asyncio streams for malformed requests).
"""

from __future__ import annotations

import asyncio
import html
import re
import secrets
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clawtui.sim.config import code_for_state
from clawtui.sim.signin import CALLBACK_URL, SignInPage

STATE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture
async def page() -> AsyncIterator[SignInPage]:
    signin = SignInPage(secret="test-secret")
    await signin.start()
    yield signin
    await signin.stop()


def _fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


async def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
    return await asyncio.to_thread(_fetch, url, method)


def shown_code(body: str) -> str:
    match = re.search(r'<code id="auth-code">([^<]*)</code>', body)
    assert match, body
    return html.unescape(match.group(1))


# --- code_for_state -----------------------------------------------------------------------------


def test_code_looks_like_a_real_code() -> None:
    state = secrets.token_urlsafe(32)
    code = code_for_state("secret", state)
    assert re.fullmatch(r"[A-Za-z0-9_-]{48}", code)
    assert code == code_for_state("secret", state)  # the box computes the same one
    assert code != code_for_state("secret", secrets.token_urlsafe(32))
    assert code != code_for_state("other secret", state)


@given(st.text(), st.text(alphabet=STATE_ALPHABET, min_size=1, max_size=64))
def test_code_never_contains_a_hash_or_padding(secret: str, state: str) -> None:
    code = code_for_state(secret, state)
    assert "#" not in code and "=" not in code and len(code) == 48


# --- the page -----------------------------------------------------------------------------------


def full_url(base: str, path: str, state: str) -> str:
    return (
        f"{base}{path}?code=true&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e"
        "&response_type=code&redirect_uri=https%3A%2F%2Fplatform.claude.com%2Foauth%2Fcode%2F"
        f"callback&scope=user%3Ainference&code_challenge={secrets.token_urlsafe(32)}"
        f"&code_challenge_method=S256&state={state}"
    )


@pytest.mark.parametrize("form", ["cai", "oauth", "short"])
async def test_page_shows_the_code_for_the_state_in_the_link(page: SignInPage, form: str) -> None:
    state = secrets.token_urlsafe(32)
    url = {
        "cai": full_url(page.base_url, "/cai/oauth/authorize", state),
        "oauth": full_url(page.base_url, "/oauth/authorize", state),
        "short": f"{page.base_url}/oauth/authorize?I{state}",
    }[form]
    status, headers, body = await fetch(url)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert "<title>Authentication Code" in body and "<h1>Authentication Code</h1>" in body
    assert "Paste this into Claude Code" in body
    code = code_for_state("test-secret", state)
    assert shown_code(body) == f"{code}#{state}" == page.code_for(state)
    callback = re.search(r'id="callback-url" href="([^"]+)"', body)
    assert callback
    target = urlsplit(html.unescape(callback.group(1)))
    assert f"{target.scheme}://{target.netloc}{target.path}" == CALLBACK_URL
    assert parse_qs(target.query) == {"code": [code], "state": [state]}
    assert page.served_states[-1] == state


async def test_page_without_a_state_says_so(page: SignInPage) -> None:
    for url in (
        f"{page.base_url}/cai/oauth/authorize?code=true&client_id=x",
        f"{page.base_url}/oauth/authorize",
        f"{page.base_url}/oauth/authorize?I",
        f"{page.base_url}/oauth/authorize?code=true&state=",
    ):
        status, _headers, body = await fetch(url)
        assert status == 400, url
        assert "no state" in body and "auth-code" not in body
    assert page.served_states == []


async def test_anything_else_is_not_found(page: SignInPage) -> None:
    for path in ("/", "/favicon.ico", "/oauth/code/callback?code=a&state=b", "/cai/oauth"):
        status, _headers, body = await fetch(page.base_url + path)
        assert status == 404, path
        assert "auth-code" not in body


async def test_only_get_and_head(page: SignInPage) -> None:
    url = f"{page.base_url}/oauth/authorize?I{secrets.token_urlsafe(32)}"
    status, headers, _body = await fetch(url, "POST")
    assert status == 405 and headers["Allow"] == "GET"
    status, headers, body = await fetch(url, "HEAD")
    assert status == 200 and body == "" and int(headers["Content-Length"]) > 0


async def test_malformed_request_gets_400(page: SignInPage) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", page.port)
    writer.write(b"hello there\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    await writer.wait_closed()
    assert answer.startswith(b"HTTP/1.1 400 ")


async def test_many_customers_at_once(page: SignInPage) -> None:
    states = [secrets.token_urlsafe(32) for _ in range(20)]
    answers = await asyncio.gather(
        *(fetch(f"{page.base_url}/oauth/authorize?I{state}") for state in states)
    )
    assert [shown_code(body) for _status, _headers, body in answers] == [
        page.code_for(state) for state in states
    ]


async def test_stop_closes_idle_connections_and_the_port() -> None:
    signin = SignInPage(secret="s")
    with pytest.raises(RuntimeError):
        _ = signin.base_url
    await signin.start()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", signin.base_url)
    port = signin.port
    # a browser that connected and never sent a request must not hold stop() up
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await asyncio.wait_for(signin.stop(), timeout=3)
    writer.close()
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)
    await signin.stop()  # twice is fine


async def test_context_manager() -> None:
    async with SignInPage(secret="s") as signin:
        state = secrets.token_urlsafe(32)
        _status, _headers, body = await fetch(f"{signin.base_url}/oauth/authorize?I{state}")
        assert shown_code(body) == f"{code_for_state('s', state)}#{state}"
