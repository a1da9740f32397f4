"""registrants: one account per GOC number, and accounts a moderator can disable

Every GOC number is rewritten in its canonical form (peercet.accounts.gocnumbers). Accounts
that already share a number are all kept, never merged: the oldest keeps
`goc_number_duplicate = 0`, each later one gets 1, 2, ... and moderators see them
flagged until they correct the numbers. The unique index on (goc_number,
goc_number_duplicate) then refuses any second account on a number.

Revision ID: 0006
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from peercet.accounts.gocnumbers import normalise_goc_number

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGISTRANTS = sa.table(
    "registrants",
    sa.column("id", sa.Integer),
    sa.column("goc_number", sa.String),
    sa.column("goc_number_duplicate", sa.Integer),
    sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    op.add_column(
        "registrants",
        sa.Column("goc_number_duplicate", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("registrants", sa.Column("disabled_at", sa.DateTime(timezone=True)))
    _normalise_numbers(op.get_bind())
    op.create_index(
        "uq_registrants_goc_number",
        "registrants",
        ["goc_number", "goc_number_duplicate"],
        unique=True,
    )


def _normalise_numbers(conn: sa.Connection) -> None:
    """Canonical numbers; the n-th later account on a number is its duplicate n."""
    rows = conn.execute(
        sa.select(REGISTRANTS.c.id, REGISTRANTS.c.goc_number).order_by(
            REGISTRANTS.c.created_at, REGISTRANTS.c.id
        )
    ).all()
    seen: dict[str, int] = {}
    for rid, number in rows:
        canonical = normalise_goc_number(number) or number.strip()
        duplicate = seen.get(canonical, 0)
        seen[canonical] = duplicate + 1
        if canonical != number or duplicate:
            conn.execute(
                sa.update(REGISTRANTS)
                .where(REGISTRANTS.c.id == rid)
                .values(goc_number=canonical, goc_number_duplicate=duplicate)
            )


def downgrade() -> None:
    op.drop_index("uq_registrants_goc_number", "registrants")
    with op.batch_alter_table("registrants") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("goc_number_duplicate")
