"""Security headers, CSRF tokens, the client's address and the request body limit for the web face."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from palermo.errors import ConfigurationError, PalermoError, PermissionDenied
from palermo.messages import N_

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


FIXED_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                 (b"referrer-policy", b"same-origin"),
                 (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]


class SecurityHeaders:
    """Security headers on every response (plain ASGI: no extra task or stream per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sensitive_path = scope["path"].startswith(("/api/", "/login", "/account"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                for name, value in FIXED_HEADERS:
                    headers[name.decode()] = value.decode()
                if sensitive_path or "set-cookie" in headers:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (synchroniser-token pattern)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


class CsrfRefused(PermissionDenied):
    """A form or cookie-authenticated API write without the session's CSRF token (audited)."""


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(str(expected), str(submitted)):
        raise CsrfRefused(N_("missing or invalid CSRF token; reload the page and submit the form again"))


def trusted_networks(setting: str) -> tuple[IPNetwork, ...]:
    """``PALERMO_TRUSTED_PROXIES`` as networks; a clear error for an entry that is not an address or CIDR."""
    nets = []
    for item in filter(None, (x.strip() for x in setting.split(","))):
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigurationError(N_("PALERMO_TRUSTED_PROXIES: {item!r} is not an IP address or network (use e.g. "
                                        "127.0.0.1,10.0.0.0/8)",
                                        item=item)) from None
    return tuple(nets)


def _trusted(address: str, nets: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_address(request: Request, nets: tuple[IPNetwork, ...]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy; then the nearest address in
    X-Forwarded-For that is not itself a trusted proxy (a client can prepend anything, never append)."""
    peer = request.client.host if request.client else "unknown"
    if not nets or not _trusted(peer, nets):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, nets):
            return hop
    return hops[0] if hops else peer


class BodyTooLarge(PalermoError):
    http_status = 413
    kind = "body_too_large"


class BodyLimit:
    """Refuse request bodies above a limit while they are read, before any route or authentication runs.

    A declared ``Content-Length`` above the limit is answered 413 at once; a chunked body is counted as
    it arrives and reading stops at the limit, whatever the route does with the error: its answer is
    replaced by the 413. Upload paths get their own, larger limit. ``respond`` makes the answer;
    ``on_refused`` (method, path, limit) is called for each refusal, e.g. to audit it.
    """

    def __init__(self, app: ASGIApp, limit_bytes: int, upload_limit_bytes: int, upload_paths: tuple[str, ...],
                 respond: Callable[[Scope, PalermoError], Response],
                 on_refused: Callable[[str, str, int], Awaitable[None]] | None = None) -> None:
        self.app, self.limit, self.upload_limit = app, limit_bytes, upload_limit_bytes
        self.upload_paths, self.on_refused, self.respond = frozenset(upload_paths), on_refused, respond

    def _limit_for(self, path: str) -> int:
        return self.upload_limit if path.rstrip("/") in self.upload_paths else self.limit

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        mib = limit / 2**20
        err = BodyTooLarge(N_("request body larger than {mib:g} MiB; send less data at once (split the file)",
                              mib=mib))
        if self.on_refused is not None:  # before answering, so the trail is complete when the client hears back
            await self.on_refused(scope["method"], scope["path"], limit)
        response = self.respond(scope, err)  # web.errors: the envelope under /api, a page elsewhere
        response.headers["connection"] = "close"

        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, no_body, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, limit)
            return
        seen = 0
        state = {"exceeded": False, "started": False, "replaced": False}

        async def limited_receive() -> Message:
            nonlocal seen
            if state["exceeded"]:
                raise BodyTooLarge(N_("request body too large"))
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    state["exceeded"] = True
                    raise BodyTooLarge(N_("request body too large"))
            return message

        async def guarded_send(message: Message) -> None:
            if state["replaced"]:
                return
            if state["exceeded"] and not state["started"]:
                state["replaced"] = True
                await self._refuse(scope, send, limit)
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            if not state["started"] and not state["replaced"]:
                await self._refuse(scope, send, limit)
