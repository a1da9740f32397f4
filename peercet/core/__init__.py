"""The platform: database and tables, settings, clock, Redis keys, signing, errors,
the audit log, quotas, the one publish path, and what a client may write.

Owns no domain rule, and imports nothing else of the project but three typed values that
the settings read from the environment. May import: `peercet.accounts.passwords` (argon2's
costs), `peercet.completions.lifecycle` (the cycles), `peercet.cycles.requirements`.

Never imports: `starlette`, `arq`.
"""
