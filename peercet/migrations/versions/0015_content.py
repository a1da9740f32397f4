"""courses.content: the course itself, in Markdown, shown before the exam

Courses loaded before it have no content (an empty text) until the next import.

Revision ID: 0015
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("courses", sa.Column("content", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("content")
