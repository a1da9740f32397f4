"""CET cycles: each profession's requirements, a registrant's progress and record,
pending points, and the moderators' cycle report (rule 9, the cycle dashboard).

May import: `peercet.core`, `peercet.catalogue`, `peercet.completions`, `peercet.goc`
(certificate links in the record), `peercet.notify`.

Never imports: `starlette`, `arq`.
"""
