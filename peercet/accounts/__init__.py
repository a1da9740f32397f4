"""Registrant accounts: registration, passwords, GOC numbers, sign-in throttling,
ending sessions, and moderators correcting or disabling an account.

May import: `peercet.core`, `peercet.catalogue` (professions).

Never imports: `starlette`, `arq`.
"""
