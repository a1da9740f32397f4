"""invitations: indexes for finding the invitations a registrant answers

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("invitee_email", "invitee_goc_number", "invitee_id")


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(f"ix_invitations_{column}", "invitations", [column])


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_invitations_{column}", "invitations")
