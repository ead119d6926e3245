"""`publish serve`: a local web application over the publisher library.

- `site`: the project as the server sees it (topics, editions and clinic profiles, read
  once and read again when a file changes) and the warm renderer (one lock, one process).
- `preview`: the live preview for editors: builds on start and on every save (watchfiles),
  keeps the last build of each topic, and tells the open pages (server-sent events).
- `guard`: what keeps it safe: loopback or an access token, same-origin POSTs, a body
  limit, security headers.
- `app`: the Starlette routes, thin over the library (summary planning, build, findings,
  reports); the pages are Jinja2 templates in `templates/`, with `static/` CSS and script.

No route takes a file path from a request: topics, editions, sections, clinic profiles and
recipes are chosen by id, and every file served is found through the content model.
"""
from __future__ import annotations
