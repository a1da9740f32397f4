"""invitations.expires_at: an invitation stands 72 hours, or to the inviter's deadline

Existing invitations get the expiry the rule gives them (their creation plus 72 hours,
or the inviter's deadline if sooner); a pending one already past it is expired by the
next sweep, which sends its inviter back to the queue.

Revision ID: 0010
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from matching.invitation_rules import expires_at
from peercet.core.tables import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_invitations_state_expires_at"
invitations = sa.table(
    "invitations",
    sa.column("id", sa.Integer()),
    sa.column("completion_id", sa.Integer()),
    sa.column("created_at", UTCDateTime()),
    sa.column("expires_at", UTCDateTime()),
)
completions = sa.table("completions", sa.column("id"), sa.column("deadline", UTCDateTime()))


def _fill(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.select(invitations.c.id, invitations.c.created_at, completions.c.deadline).join(
            completions, completions.c.id == invitations.c.completion_id
        )
    )
    for invitation_id, created_at, deadline in list(rows):
        conn.execute(
            invitations.update()
            .where(invitations.c.id == invitation_id)
            .values(expires_at=expires_at(created_at, deadline))
        )


def upgrade() -> None:
    op.add_column("invitations", sa.Column("expires_at", sa.DateTime(timezone=True)))
    _fill(op.get_bind())
    with op.batch_alter_table("invitations") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_index(INDEX, ["state", "expires_at"])


def downgrade() -> None:
    with op.batch_alter_table("invitations") as batch:
        batch.drop_index(INDEX)
        batch.drop_column("expires_at")
