"""Telling people: on-screen notifications, the email outbox and its sender (deadline
reminders, which count to a discussion's closing, are `discussion.deadlines`).

May import: `peercet.core`.

Never imports: `starlette`, `arq`.
"""
