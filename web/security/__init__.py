"""What every request passes through before a flow runs: security headers, the Origin
check, CSRF tokens for forms, and the client address the throttles count by.

May import: `peercet.core`, `web`.

Never imports: `workers`, `arq`.
"""
