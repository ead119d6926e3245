"""Start `publish serve`: check the address, make the token, run uvicorn until Ctrl-C."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Callable

from ..project import Project
from .guard import is_loopback
from .site import Site

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TOKEN_ENV = "PUBLISH_SERVE_TOKEN"  # a fixed token for a clinic's server (else a new one each start)


def access_token(host: str, environ: dict = os.environ) -> str | None:
    """None on loopback; else the token every request must carry (PUBLISH_SERVE_TOKEN, or new)."""
    if is_loopback(host):
        return None
    return environ.get(TOKEN_ENV, "").strip() or secrets.token_urlsafe(24)


#: Hosts that mean "every address of this machine": no browser can open them.
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


def address(host: str, port: int, token: str | None = None) -> str:
    """The address to open, with the token when one is needed. A server on every address
    (0.0.0.0, ::) is shown by this machine's name, which the clinic's other computers reach."""
    if host in WILDCARD_HOSTS:
        import socket
        host = socket.gethostname() or "localhost"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve(project: Project, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, topic_dirs=(),
          watch: bool = True, echo: Callable[[str], None] = print) -> None:
    """Run the server in this process until interrupted (Ctrl-C stops it cleanly)."""
    import uvicorn

    from .app import create_app
    token = access_token(host)
    site = Site(project, topic_dirs=[Path(d) for d in topic_dirs])
    app = create_app(site, token=token, watch=watch)
    echo(f"publish serve: {project.root}" + (" (on every network address of this machine)"
                                             if host in WILDCARD_HOSTS else ""))
    echo(f"  preview for editors:       {address(host, port, token)}")
    echo(f"  custom handouts for staff: {address(host, port)}summary" + (" (with the token)" if token else ""))
    if token:
        echo(f"  Access token: {token}  (every request needs it; open the first address above once per browser)")
    echo("Stop it with Ctrl-C.")
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on",
                            timeout_graceful_shutdown=2, server_header=False, proxy_headers=False)
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:  # uvicorn shuts down gracefully, then raises the Ctrl-C it caught again
        pass
    echo("publish serve stopped.")
