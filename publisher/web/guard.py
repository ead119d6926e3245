"""What keeps `publish serve` safe, as one ASGI middleware in front of every route.

- Loopback by default: then only requests whose Host is a loopback name are answered
  (a web page elsewhere cannot reach the server through a DNS name it controls).
- Any other --host: every request needs the access token printed at start, in the
  address (`?token=`, which sets a cookie and redirects to the same address without it),
  that cookie, or an `Authorization: Bearer` header. Without it: 403.
- POSTs from a browser must come from a page of this server: an `Origin` (or, without it,
  `Sec-Fetch-Site`) from elsewhere gets 403. Scripts and other systems (curl, an EHR) send
  neither and are let through (they carry the token when one is needed).
- Bodies over `MAX_BODY` bytes get 413, whether or not they say their length.
- Every response carries a Content-Security-Policy, `X-Content-Type-Options: nosniff`,
  `Referrer-Policy: same-origin` (with no-referrer, Chromium sends `Origin: null` on the form's own POSTs) and `X-Frame-Options: SAMEORIGIN`.
"""
from __future__ import annotations

import hmac
import ipaddress
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit

MAX_BODY = 64 * 1024  # a request lists ids and a title: a few hundred bytes
COOKIE = "publish_token"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}

#: The application's own pages: scripts, styles, images and frames only from this server.
APP_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; "
           "base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
#: Built files (the web page shown in the preview): their own styles, no script at all.
FILE_CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


def is_loopback(host: str) -> bool:
    """127.0.0.1, ::1, localhost: a server bound there is reachable from this machine only."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(value: str) -> str:
    """'localhost:8000' -> 'localhost'; '[::1]:8000' -> '::1'."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    return value.rpartition(":")[0] if value.count(":") == 1 else value


class Guard:
    """ASGI middleware: token or loopback Host, same-origin POSTs, body limit, headers."""

    def __init__(self, app, *, token: str | None, max_body: int = MAX_BODY):
        self.app = app
        self.token = token
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope.get("path", "")
        file_route = "/files/" in path or path.endswith(".png")

        async def send_secured(message):
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", (FILE_CSP if file_route else APP_CSP).encode()),
                         (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"same-origin"),
                         (b"x-frame-options", b"SAMEORIGIN")]
                names = {k.lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": list(message.get("headers", [])) +
                           [(k, v) for k, v in extra if k not in names]}
            await send(message)

        refusal = self._refusal(scope, headers)
        if refusal is not None:
            return await _plain(send_secured, *refusal)
        if self.token and scope["method"] == "GET" and \
                "token" in dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))):
            return await self._token_redirect(scope, send_secured)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await _plain(send_secured, 413, "The request is too large.")
        # The body is read here, whole (it is small), so an over-long one is refused before
        # any route sees it, whether or not it said its length.
        body, more = b"", scope["method"] not in ("GET", "HEAD")
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                return await _plain(send_secured, 413, "The request is too large.")
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_secured)

    def _refusal(self, scope, headers) -> tuple[int, str] | None:
        if self.token:
            if not self._has_token(scope, headers):
                return 403, ("This server needs its access token: open the address with ?token=... "
                             "that `publish serve` printed when it started.")
        elif not is_loopback(host_name(headers.get("host", ""))):
            return 403, "This server answers only on this machine (localhost)."
        if scope["method"] not in ("GET", "HEAD"):
            origin = headers.get("origin")
            # The origin's host and port must be the address the request was sent to. The
            # scheme is not compared: behind the clinic's HTTPS proxy the page is https:
            # while this server hears http.
            if origin is not None and urlsplit(origin.lower()).netloc != headers.get("host", "").lower():
                return 403, "A form on another site cannot post to this server."
            if origin is None and headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
                return 403, "A form on another site cannot post to this server."
        return None

    def _has_token(self, scope, headers) -> bool:
        offered = []
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if "token" in query:
            offered.append(query["token"])
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            offered.append(auth[7:].strip())
        if "cookie" in headers:
            jar = SimpleCookie()
            try:
                jar.load(headers["cookie"])
            except Exception:  # a malformed cookie header is no token
                jar = SimpleCookie()
            if COOKIE in jar:
                offered.append(jar[COOKIE].value)
        return any(hmac.compare_digest(o.encode(), self.token.encode()) for o in offered)

    async def _token_redirect(self, scope, send):
        """?token=...: remember it in a cookie and go to the same address without it, so
        the token stays out of the history and of the pages' links."""
        query = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1")) if k != "token"]
        location = scope.get("path", "/") + (f"?{urlencode(query)}" if query else "")
        if not location.startswith("/") or location.startswith("//"):
            location = "/"
        cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode()),
                                (b"content-length", b"0"), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": b""})


async def _plain(send, status: int, text: str):
    body = (text + "\n").encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
