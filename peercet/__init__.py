"""Peercet's domain packages, beside `discussion/`, `matching/`, `workers/` and `web/`.

`core` is the platform every other package stands on; `catalogue`, `accounts`,
`completions`, `cycles`, `goc` and `notify` each own one part of DOMAIN.md; `cli` is
the `peercet` command, an edge like `workers`. Each package's docstring says what it may
import (tests/rules/test_layout.py holds them to it): nothing here imports `web`, and
only `cli` imports `workers` (the sweep's duties and the upload schedule it runs).
"""
