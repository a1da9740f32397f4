"""certificates: a stored random verification code per completion, and revocation

Revision ID: 0014
Revises: 0010

Before this the verification link was signed with SECRET_KEYS, so removing a key after a
rotation would have made every certificate it signed unverifiable. A certificate row is
issued when a certificate is first asked for (downloaded, or verified through an old
signed link, which keeps working while its key is in SECRET_KEYS): no existing row needs
migrating.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("completion_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["completion_id"],
            ["completions.id"],
            name=op.f("fk_certificates_completion_id_completions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["registrants.id"], name=op.f("fk_certificates_revoked_by_registrants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("completion_id", name=op.f("uq_certificates_completion_id")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
    )


def downgrade() -> None:
    op.drop_table("certificates")
