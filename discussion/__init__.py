"""The live discussion: opening and closing one (where completions and discussions
meet), frames, taking-part rules, messages, dual validation, disputes, reports,
moderation, and the deadline's fallback and reminders (rules 3, 4 and 7;
docs/discussion.md, docs/moderation.md).

May import: `peercet.core`, `peercet.completions`, `peercet.notify`.

Never imports: `starlette`, `arq`.
"""
