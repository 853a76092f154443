"""Who may read the page: loopback by default, anything wider only with a token that every request carries.

The page shows what the cameras see, so it is never served to the network by
accident: binding to an address other than loopback is refused unless a token
is set, and with a token every request must present it, as an ``Authorization:
Bearer`` header (scripts), or once as ``?token=`` (a link typed into a phone),
after which an HttpOnly cookie carries it so that the links, thumbnails and
refreshes of the page work without the token in every URL.
"""

from __future__ import annotations

import hmac
import ipaddress
import re

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livespecies.errors import UserError

COOKIE = "livespecies_token"
# Characters that pass unchanged through a header, a cookie and a query string; long enough not to be guessed.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{16,}")
DENIED = "This page needs its access token: open it once with ?token=TOKEN, or send 'Authorization: Bearer TOKEN'.\n"
TOKEN_HINT = 'make one with: python3 -c "import secrets; print(secrets.token_urlsafe())"'
# What the page is allowed to load: only itself. The browser then refuses anything from another host, even if a
# template someday names one, and inline scripts (an injected label) never run.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach: localhost, 127.0.0.0/8 and ::1."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def check_token(token: str | None) -> str | None:
    """The token as given, or None for no token; a token that cannot be carried safely is a sentence."""
    if token is None:
        return None
    if not TOKEN_PATTERN.fullmatch(token):
        raise UserError(f"The web token must be at least 16 letters, digits or . _ ~ - characters; {TOKEN_HINT}.")
    return token


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token, before anything is bound."""
    if not is_loopback(host) and not token:
        raise UserError(f"Serving the web page on {host or 'every address'} lets other machines see the cameras: give it a token "
                        f"({TOKEN_HINT}) or bind it to 127.0.0.1.")  # fmt: skip
    check_token(token)


def bearer(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _same(offered: str | None, token: str) -> bool:
    # compare_digest takes as long for every wrong token of a length, so timing does not spell the token out.
    return offered is not None and hmac.compare_digest(offered.encode(), token.encode())


class TokenGate:
    """ASGI middleware: 401 for every request without the token; a valid ``?token=`` also sets the cookie."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        in_query = _same(connection.query_params.get("token"), self.token)
        if not (in_query or _same(bearer(connection.headers.get("authorization")), self.token) or _same(connection.cookies.get(COOKIE), self.token)):
            response = PlainTextResponse(DENIED, 401, headers={"WWW-Authenticate": 'Bearer realm="livespecies"'})
            await response(scope, receive, send)
            return
        if not in_query:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class SecurityHeaders:
    """ASGI middleware: every response says what the browser may load and that it must not guess content types."""

    HEADERS = (
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.HEADERS:
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
