"""GET /ws and the process-wide machinery behind it: fan-out, the message writer,
presence, per-registrant frame limits and socket counts, telling an absent partner.

May import: `peercet.core`, `peercet.accounts`, `discussion`, `web` (sessions and
resources), `web.security` (the Origin check).

Never imports: `workers`, `arq`.
"""
