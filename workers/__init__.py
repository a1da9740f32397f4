"""The arq worker: deadlines, the minutely sweep, the year-end cut-off, GOC uploads,
reminders, no-shows, the queues' rebuild and the email outbox (docs/workers.md).

May import: `peercet.core`, `peercet.completions`, `peercet.cycles`, `peercet.goc`,
`peercet.notify`, `discussion` (the fallbacks and reminders), `matching`.

Never imports: `starlette`, `web`.
"""
