"""Pairing registrants who chose the interactive discussion, per course: the queue's
order, the Redis queues and their rebuild, invitations, no-shows and the waiting page
(rules 3 and 7; matching/README.md).

May import: `peercet.core`, `peercet.accounts`, `peercet.catalogue`, `peercet.completions`,
`peercet.notify`, `discussion`.

Never imports: `starlette`, `arq`.
"""
