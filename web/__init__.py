"""The HTTP and WebSocket edge, thin around the domain packages: the Starlette app,
resources, sessions and CSRF, request schemas, headers, errors and templates.

May import: `peercet.core`, `peercet.accounts`, `peercet.catalogue`, `peercet.completions`,
`peercet.cycles`, `peercet.goc` (certificate downloads), `matching`, `web.api`, `web.pages`,
`web.security`, `web.ws` (`app.py` mounts them).

Never imports: `workers` (it enqueues the worker's jobs by name, through arq's pool).
"""
