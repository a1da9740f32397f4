"""The catalogue: courses and their content, professions and competencies, exams,
attempts, and search (DOMAIN.md "course", rules 1 and 10).

May import: `peercet.core`, and `peercet.completions.actions` (a passed exam records
the pass).

Never imports: `starlette`, `arq`.
"""
