"""The catalogue: courses and their content, professions and competencies, exams,
attempts, and search (DOMAIN.md "course", rules 1 and 10).

May import: `peercet.core`.

A passed exam's completion is recorded by `peercet.completions.taking`, and a course's
view carrying the asker's completion is `peercet.completions.course_view`'s.

Never imports: `starlette`, `arq`.
"""
