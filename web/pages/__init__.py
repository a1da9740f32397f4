"""Server-rendered pages: each module parses a request, calls a flow and renders a template.

May import: `peercet.core`, `peercet.accounts`, `peercet.catalogue`, `peercet.completions`,
`peercet.cycles`, `peercet.goc`, `peercet.notify`, `discussion`, `web`, `web.security`.

Never imports: `workers`, `arq`.
"""
