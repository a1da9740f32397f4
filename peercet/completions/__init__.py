"""Completions: the lifecycle (states, transitions, the 14-day and year-end
deadlines, fallback) as pure rules, and the actions that apply them (rules 2 to 5).

May import: `peercet.core`, `peercet.catalogue` (a course's view: its exam, content and
attempts), `peercet.notify`.

A fallback returns the discussions to close, and `discussion.deadlines` closes them.

Never imports: `starlette`, `arq`.
"""
