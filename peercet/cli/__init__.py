"""The `peercet` command and the demo data it loads: an edge, like `workers`.

May import: `peercet.core`, `peercet.accounts`, `peercet.catalogue`, `peercet.completions`,
`peercet.cycles`, `peercet.goc`, `discussion`, `workers.jobs` (`peercet sweep` runs the
worker's duties) and `workers.schedule` (the demo's uploads).

Never imports: `starlette`, `web`.
"""
