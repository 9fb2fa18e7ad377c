"""The customer's browser, simulated: a loopback page that plays the sign-in service.

In the real flow the customer opens the sign-in URL, signs in, and the callback page
(`https://platform.claude.com/oauth/code/callback`) shows a code `CODE#STATE` to paste into
Claude Code. Here a small HTTP server answers the URL the simulated `claude` prints with that
page, and the code it shows is `code_for_state(secret, state)` (in `clawtui.sim.config`, the
contract between the server and the boxes): the simulated `claude` checks it with the same shared
secret, so a demo or a test can play the customer with one HTTP request and nothing else has to be
shared between the page and the boxes.

Standard library only (asyncio streams and a minimal HTTP/1.1 reading).
"""

from __future__ import annotations

import asyncio
import html
import re
from urllib.parse import parse_qs, quote, urlsplit

from clawtui.sim.config import code_for_state

CALLBACK_URL = "https://platform.claude.com/oauth/code/callback"

#: Paths the simulated `claude` prints: the full form of 2.1.332 (`/cai/oauth/authorize`), the
#: full form of older builds (`/oauth/authorize`), and the short form (`/oauth/authorize?I<state>`).
AUTHORIZE_PATHS = ("/cai/oauth/authorize", "/oauth/authorize")

_STATE = re.compile(r"[A-Za-z0-9_-]{1,200}")
_MAX_REQUEST_HEAD = 16 * 1024


def state_from_target(target: str) -> str | None:
    """The OAuth state in a request target, in any of the three URL forms; None if absent."""
    parts = urlsplit(target)
    query = parts.query
    if query.startswith("I") and "=" not in query and "&" not in query:
        state = query[1:]
        return state if _STATE.fullmatch(state) else None
    values = parse_qs(query, keep_blank_values=True).get("state")
    if not values or not _STATE.fullmatch(values[0]):
        return None
    return values[0]


class SignInPage:
    """An asyncio HTTP/1.1 server on loopback answering the sign-in URLs with the callback page.

    `await start()` binds (port 0 picks a free port), `base_url` is what the boxes put in front
    of the authorize path, `await stop()` closes the listener and every open connection.
    """

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._server: asyncio.Server | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self._connections: set[asyncio.Task[None]] = set()
        #: Every state a page was served for, oldest first (tests and the demo look at it).
        self.served_states: list[str] = []

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SignInPage.start() has not been awaited")
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    def code_for(self, state: str) -> str:
        """The `CODE#STATE` the page shows for `state`."""
        return f"{code_for_state(self.secret, state)}#{state}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, host, port)
        sockname = self._server.sockets[0].getsockname()
        self._host, self._port = sockname[0], sockname[1]

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

    async def __aenter__(self) -> SignInPage:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            except asyncio.LimitOverrunError:
                await self._respond(writer, 431, "Request too large", "The request is too large.")
                return
            except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                return
            if len(head) > _MAX_REQUEST_HEAD:
                await self._respond(writer, 431, "Request too large", "The request is too large.")
                return
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = request_line.split(" ")
            if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
                await self._respond(writer, 400, "Bad request", "That is not an HTTP request.")
                return
            method, target, _version = parts
            await self._route(writer, method, target)
        except ConnectionError:
            pass
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, asyncio.CancelledError):
                pass

    async def _route(self, writer: asyncio.StreamWriter, method: str, target: str) -> None:
        path = urlsplit(target).path
        if path not in AUTHORIZE_PATHS:
            await self._respond(writer, 404, "Not found", "There is no page here.")
            return
        if method not in ("GET", "HEAD"):
            await self._respond(
                writer, 405, "Method not allowed", "Open this link in a browser.", allow="GET"
            )
            return
        state = state_from_target(target)
        if state is None:
            await self._respond(
                writer,
                400,
                "Missing state",
                "This sign-in link has no state: it is incomplete. Copy the whole link again.",
                head_only=method == "HEAD",
            )
            return
        self.served_states.append(state)
        code = code_for_state(self.secret, state)
        await self._send(writer, 200, self._code_page(code, state), head_only=method == "HEAD")

    def _code_page(self, code: str, state: str) -> str:
        full = html.escape(f"{code}#{state}")
        callback = html.escape(f"{CALLBACK_URL}?code={quote(code)}&state={quote(state)}")
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Authentication Code - Claude</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 4rem auto; max-width: 40rem; }}
code {{ display: block; padding: 1rem; background: #f4f1ea; word-break: break-all; }}
</style>
</head>
<body>
<h1>Authentication Code</h1>
<p>Paste this into Claude Code:</p>
<code id="auth-code">{full}</code>
<p>Keep this code private: anyone who has it can finish this sign-in.</p>
<p class="callback">Callback: <a id="callback-url" href="{callback}">{callback}</a></p>
</body>
</html>
"""

    async def _respond(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        title: str,
        message: str,
        *,
        allow: str | None = None,
        head_only: bool = False,
    ) -> None:
        body = (
            f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head>\n<body><h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(message)}</p></body></html>\n"
        )
        extra = {"Allow": allow} if allow else {}
        await self._send(writer, status, body, head_only=head_only, headers=extra)

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        body: str,
        *,
        head_only: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        reasons = {
            200: "OK",
            400: "Bad Request",
            404: "Not Found",
            405: "Method Not Allowed",
            431: "Request Header Fields Too Large",
        }
        payload = body.encode("utf-8")
        lines = [
            f"HTTP/1.1 {status} {reasons.get(status, 'Error')}",
            "Content-Type: text/html; charset=utf-8",
            f"Content-Length: {len(payload)}",
            "Cache-Control: no-store",
            "Connection: close",
        ]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if not head_only:
            writer.write(payload)
        await writer.drain()
