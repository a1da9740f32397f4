"""Migration 0015: courses loaded before it have no content until the next import, and
going down and up again keeps their prompts and questions (SQLite rebuilds the table)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.catalogue.loading import upsert_course
from peercet.core.db import transaction
from peercet.core.migrate import alembic_config
from peercet.core.tables import Course, ExamQuestion
from tests.support import factories as f


async def test_courses_from_before_have_no_content_until_imported_again(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with transaction(sessions) as session:
        course = await f.course(session, content="# Gone by the downgrade")
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0015-1")  # just before 0015
    await asyncio.to_thread(command.upgrade, config, "head")
    async with sessions() as session:
        assert await session.scalar(sa.select(Course.content)) == ""
        questions = sa.select(sa.func.count()).select_from(ExamQuestion)
        assert await session.scalar(questions) == 5
    spec = f.course_spec(ref=course.ref, content="## Back")
    async with transaction(sessions) as session:
        assert await upsert_course(session, spec, f.T0)
    async with sessions() as session:
        assert await session.scalar(sa.select(Course.content)) == "## Back"
