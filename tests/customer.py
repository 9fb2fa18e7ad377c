"""The customer's part in end-to-end tests: open the sign-in link, read the code off the page.

Like a person trying the demo, the tests open the simulated sign-in URL (over HTTP, on the
loopback page the simulator serves) and copy the `CODE#STATE` it shows.
"""

from __future__ import annotations

import asyncio
import html
import re
import urllib.request

_CODE = re.compile(r'<code id="auth-code">(.*?)</code>', re.S)


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        page = response.read().decode("utf-8")
    match = _CODE.search(page)
    assert match, "the sign-in page shows no code"
    return html.unescape(match.group(1)).strip()


async def code_from_page(url: str) -> str:
    """The CODE#STATE the customer sees after opening `url` (blocking I/O kept off the loop)."""
    return await asyncio.to_thread(_fetch, url)


def tamper(code: str) -> str:
    """A code for the same link whose code part is wrong: the sign-in service refuses it."""
    secret, state = code.split("#", 1)
    flipped = ("A" if secret[0] != "A" else "B") + secret[1:]
    return f"{flipped}#{state}"
