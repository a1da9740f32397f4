"""Peercet's domain packages, beside `discussion/`, `matching/`, `workers/` and `web/`.

`core` is the platform every other package stands on; `catalogue`, `accounts`,
`completions`, `cycles`, `goc` and `notify` each own one part of DOMAIN.md; `cli` is
the `peercet` command. Nothing here imports `web` or `workers`.
"""
