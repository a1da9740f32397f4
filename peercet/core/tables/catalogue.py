"""The catalogue (peercet.catalogue): courses, their prompts, exam questions and attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peercet.core.tables.base import Base, owned_by


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    # The course itself, in Markdown (up to 100,000 characters): loaded only when asked for
    # (courses.course_content, undefer), not with every course a search or a room loads.
    content: Mapped[str] = mapped_column(
        Text, default="", server_default="", deferred=True, deferred_raiseload=True
    )
    professions: Mapped[list[Any]]
    competencies: Mapped[list[Any]]
    points: Mapped[int] = mapped_column(Integer, default=1)
    interactive: Mapped[bool] = mapped_column(Boolean, default=False)
    pass_mark: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class CoursePrompt(Base):
    __tablename__ = "course_prompts"
    __table_args__ = (UniqueConstraint("course_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = owned_by("courses.id")
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class ExamQuestion(Base):
    """One multiple-choice question; an option's id is its index in `options`."""

    __tablename__ = "exam_questions"
    __table_args__ = (UniqueConstraint("course_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = owned_by("courses.id")
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list[Any]]
    answer: Mapped[int]


class ExamAttempt(Base):
    __tablename__ = "exam_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    registrant_id: Mapped[int] = owned_by("registrants.id", index=True)
    course_id: Mapped[int] = owned_by("courses.id")
    score: Mapped[int]
    total: Mapped[int]
    passed: Mapped[bool]
    at: Mapped[datetime]
