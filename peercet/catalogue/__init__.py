"""The catalogue: courses and their content, professions and competencies, exams,
attempts, and search (DOMAIN.md "course", rules 1 and 10).

May import: `peercet.core`, `peercet.completions.actions` (a passed exam records
the pass) and `peercet.completions.frames` (a course's view carries the asker's completion).

Never imports: `starlette`, `arq`.
"""
