"""The JSON API of API.md: each module parses a request, calls a flow and renders it.

May import: `peercet.core`, `peercet.accounts`, `peercet.catalogue`, `peercet.completions`,
`peercet.cycles`, `peercet.goc`, `peercet.notify`, `discussion`, `matching`, `web` (its
request, session and error helpers), `web.ws` (a validation tells the live discussion).

Never imports: `workers`, `arq`.
"""
