"""cycles: a completion belongs to a CET cycle, and a course is completed once per cycle

Every completion gets `cycle`, the label of its CET year's cycle (CYCLE_FIRST_YEAR,
CYCLE_YEARS: "2025-2027"). The unique (registrant, course, CET year) becomes unique
(registrant, course, cycle, legacy_repeat). Completions made before this rule that would
break it (the same course completed again in a later year of the same cycle) are kept
whole, point records and uploads included: the earliest pass of each is `legacy_repeat`
0, the later ones 1, 2... New completions are always 0, so the database admits at most
one per cycle from now on.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from peercet.core.settings import load_settings

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

completions = sa.table(
    "completions",
    sa.column("id", sa.Integer),
    sa.column("registrant_id", sa.Integer),
    sa.column("course_id", sa.Integer),
    sa.column("cet_year", sa.Integer),
    sa.column("passed_at", sa.DateTime),
    sa.column("cycle", sa.String),
    sa.column("legacy_repeat", sa.Integer),
)


def _fill_cycles(conn: Any) -> None:
    cycles = load_settings().cycles
    years = conn.execute(sa.select(completions.c.cet_year).distinct()).scalars().all()
    for year in years:
        conn.execute(
            completions.update()
            .where(completions.c.cet_year == year)
            .values(cycle=cycles.label(year))
        )


def _number_repeats(conn: Any) -> None:
    """The earliest completion of a course in a cycle stays 0; later ones count up."""
    c = completions.c
    rows = conn.execute(
        sa.select(c.id, c.registrant_id, c.course_id, c.cycle).order_by(
            c.registrant_id, c.course_id, c.cycle, c.passed_at, c.id
        )
    )
    previous, repeat = None, 0
    for cid, registrant_id, course_id, cycle in rows.all():
        key = (registrant_id, course_id, cycle)
        repeat = repeat + 1 if key == previous else 0
        previous = key
        if repeat:
            conn.execute(completions.update().where(c.id == cid).values(legacy_repeat=repeat))


def upgrade() -> None:
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cycle", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("legacy_repeat", sa.Integer(), server_default="0", nullable=False)
        )
    conn = op.get_bind()
    _fill_cycles(conn)
    _number_repeats(conn)
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.alter_column("cycle", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_constraint("uq_completions_registrant_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_completions_once_per_cycle",
            ["registrant_id", "course_id", "cycle", "legacy_repeat"],
        )


def downgrade() -> None:
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_completions_once_per_cycle", type_="unique")
        batch_op.create_unique_constraint(
            "uq_completions_registrant_id", ["registrant_id", "course_id", "cet_year"]
        )
        batch_op.drop_column("legacy_repeat")
        batch_op.drop_column("cycle")
