"""The GOC: the weekly upload batch (rule 9), working days, certificates and their
verification codes (the signed download link a completion's email carries is
`peercet.completions.links`).

May import: `peercet.core`, `peercet.catalogue`, `peercet.completions`, `peercet.notify`.

Never imports: `starlette`, `arq`.
"""
