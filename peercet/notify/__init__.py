"""Telling people: on-screen notifications, the email outbox and its sender, and
deadline reminders.

May import: `peercet.core`, and for reminders the completion lifecycle and the
discussions' closing times: `peercet.completions.lifecycle`, `discussion.opening`.

Never imports: `starlette`, `arq`.
"""
