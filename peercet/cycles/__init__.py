"""CET cycles: each profession's requirements, a registrant's progress and record,
pending points, and the moderators' cycle report (rule 9, the cycle dashboard).

May import `core`, `catalogue`, `completions` and `notify`.
"""
