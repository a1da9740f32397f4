"""Completions: the lifecycle (states, transitions, the 14-day and year-end
deadlines, fallback) as pure rules, and the actions that apply them (rules 2 to 5).

May import `core`, `catalogue`, `notify` and `goc` (certificate links).
"""
