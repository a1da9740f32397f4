"""Telling people: on-screen notifications, the email outbox and its sender, and
deadline reminders.

May import `core` (and, for reminders, the completion lifecycle and discussion closing times).
"""
