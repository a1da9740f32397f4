"""The catalogue: courses and their content, professions and competencies, exams,
attempts, and search (DOMAIN.md "course", rules 1 and 10).

May import `core`.
"""
