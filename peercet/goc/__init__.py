"""The GOC: the weekly upload batch (rule 9), working days, certificates and their
verification codes and signed links.

May import `core`, `catalogue`, `completions` and `notify`.
"""
