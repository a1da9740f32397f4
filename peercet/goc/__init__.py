"""The GOC: the weekly upload batch (rule 9), working days, certificates and their
verification codes and signed links.

May import: `peercet.core`, `peercet.catalogue`, `peercet.completions`, `peercet.notify`.

Never imports: `starlette`, `arq`.
"""
