"""Wrappers that keep the customer's secrets out of logs, tracebacks and screens by default.

The OAuth token that `claude setup-token` prints once is worth a year of the customer's
subscription, and the CODE#STATE they read out is what mints it. Both travel through the flow,
the audit log, exception handlers and the TUI, where a stray f-string or `repr()` would print
them. `Token` and `Code` turn every accidental rendering (`str`, `repr`, `format`, pickling)
into a masked form, and make the two legitimate uses (pasting into OpenClaw, typing into the
setup-token prompt) call `.reveal()` on purpose, where a reviewer can see it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any, NoReturn

from .redact import mask_token

#: Every long-lived token `claude setup-token` prints starts with this.
TOKEN_PREFIX = "sk-ant-oat01-"

#: The characters a token, an authorization code and a state are made of (base64url).
SECRET_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")

_BULLETS = "••••"
_ELLIPSIS = "…"


def _refuse_pickle(kind: str) -> NoReturn:
    raise TypeError(
        f"A {kind} is a secret and cannot be pickled or copied out of the process; "
        "call .reveal() deliberately where the plain text is needed."
    )


class Token:
    """A long-lived OAuth token (`sk-ant-oat01-…`), masked whenever it is rendered.

    `str()`, `repr()` and `format()` give `sk-ant-oat01-••••…AbCd` (the last 4 characters only).
    `.reveal()` returns the real text. Tokens compare equal by value, in constant time.
    """

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("a Token needs the token text (a non-empty string)")
        if not SECRET_ALPHABET.fullmatch(value):
            # Say what is wrong without showing the value.
            raise ValueError("a Token may only hold the characters A-Z a-z 0-9 _ -")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The token itself. Only for the vault and for pasting it into OpenClaw."""
        return self._value

    @property
    def masked(self) -> str:
        """`sk-ant-oat01-••••…AbCd`: safe to show, log or put in a message (the same form the
        panes and logs use, from `redact.mask_token`)."""
        if self._value.startswith(TOKEN_PREFIX):
            return mask_token(self._value)
        return f"{_BULLETS}{_ELLIPSIS}"

    @property
    def fingerprint(self) -> str:
        """The first 12 hex digits of the token's SHA-256: names a token without revealing it."""
        return hashlib.sha256(self._value.encode()).hexdigest()[:12]

    @property
    def last4(self) -> str:
        return self._value[-4:]

    @property
    def last8(self) -> str:
        """What `openclaw models status` shows of a stored token, for verification."""
        return self._value[-8:]

    def __len__(self) -> int:
        return len(self._value)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<Token {self.masked}>"

    def __format__(self, format_spec: str) -> str:
        return format(self.masked, format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Token):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Token, self._value))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Token cannot be changed")

    def __reduce__(self) -> NoReturn:
        _refuse_pickle("Token")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        _refuse_pickle("Token")

    # Immutable: copies (dataclasses.replace, copy.deepcopy of a holder) may share the instance.
    def __copy__(self) -> Token:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Token:
        return self


class Code:
    """The CODE#STATE a customer's sign-in page shows, masked whenever it is rendered.

    `str()`/`repr()` show only the first 6 characters of the state (which also appears in the
    sign-in link, so the operator can match the two); `.reveal()` returns `code#state` for
    typing into the setup-token prompt.
    """

    __slots__ = ("_code", "_state")
    _code: str
    _state: str

    def __init__(self, code: str, state: str) -> None:
        for part, name in ((code, "code"), (state, "state")):
            if not isinstance(part, str) or not SECRET_ALPHABET.fullmatch(part):
                raise ValueError(
                    f"a Code needs a non-empty {name} made of the characters A-Z a-z 0-9 _ -"
                )
        object.__setattr__(self, "_code", code)
        object.__setattr__(self, "_state", state)

    @property
    def code(self) -> str:
        """The part before `#` (the secret half)."""
        return self._code

    @property
    def state(self) -> str:
        """The part after `#`: the sign-in link's `state`, identifying which link it belongs to."""
        return self._state

    def reveal(self) -> str:
        """`code#state`, exactly what the setup-token prompt expects."""
        return f"{self._code}#{self._state}"

    @property
    def masked(self) -> str:
        return f"{_BULLETS}#{self._state[:6]}{_ELLIPSIS}"

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.reveal().encode()).hexdigest()[:12]

    def __len__(self) -> int:
        return len(self._code) + 1 + len(self._state)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<Code {self.masked}>"

    def __format__(self, format_spec: str) -> str:
        return format(self.masked, format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Code):
            return NotImplemented
        return hmac.compare_digest(self.reveal().encode(), other.reveal().encode())

    def __hash__(self) -> int:
        return hash((Code, self._code, self._state))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Code cannot be changed")

    def __reduce__(self) -> NoReturn:
        _refuse_pickle("Code")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        _refuse_pickle("Code")

    def __copy__(self) -> Code:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Code:
        return self
