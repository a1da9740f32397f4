"""disputes: "my peer did not take part", its reason and a moderator's decision

Revision ID: 0007
Revises: 0004

Before this, a dispute closed its discussion (closed_reason "disputed") and sent both
back to the queue, the reason kept as the validation's reflection. Those disputes are
copied in as they were: over, and undecided (nothing is left to decide).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY = """
INSERT INTO disputes (discussion_id, disputer_id, reason, created_at)
SELECT v.discussion_id, v.registrant_id, v.reflection, v.at
FROM validations v JOIN discussions d ON d.id = v.discussion_id
WHERE d.closed_reason = 'disputed' AND v.peer_took_part = :no
"""


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("disputer_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("award", sa.Boolean(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_disputes_discussion_id_discussions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["disputer_id"],
            ["registrants.id"],
            name=op.f("fk_disputes_disputer_id_registrants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["registrants.id"], name=op.f("fk_disputes_decided_by_registrants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("discussion_id", "disputer_id", name=op.f("uq_disputes_discussion_id")),
    )
    with op.batch_alter_table("disputes") as batch:
        batch.create_index(batch.f("ix_disputes_discussion_id"), ["discussion_id"], unique=False)
    op.execute(sa.text(LEGACY).bindparams(no=False))


def downgrade() -> None:
    with op.batch_alter_table("disputes") as batch:
        batch.drop_index(batch.f("ix_disputes_discussion_id"))
    op.drop_table("disputes")
