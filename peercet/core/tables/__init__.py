"""Every table, one module per domain; import them from here
(`from peercet.core.tables import Completion`). Rules live in the pure modules; these
are only rows. Importing this package registers every table on `Base.metadata`.

May import nothing else of the project.
"""

from peercet.core.tables.accounts import Registrant
from peercet.core.tables.audit import AuditEntry
from peercet.core.tables.base import Base, UTCDateTime
from peercet.core.tables.catalogue import Course, CoursePrompt, ExamAttempt, ExamQuestion
from peercet.core.tables.completions import Completion, PointRecord
from peercet.core.tables.discussion import (
    Discussion,
    DiscussionPrompt,
    Dispute,
    Message,
    Participant,
    Report,
    Validation,
)
from peercet.core.tables.goc import Certificate, UploadBatch
from peercet.core.tables.invitations import Invitation
from peercet.core.tables.notify import Notification, OutgoingEmail

__all__ = [
    "AuditEntry",
    "Base",
    "Certificate",
    "Completion",
    "Course",
    "CoursePrompt",
    "Discussion",
    "DiscussionPrompt",
    "Dispute",
    "ExamAttempt",
    "ExamQuestion",
    "Invitation",
    "Message",
    "Notification",
    "OutgoingEmail",
    "Participant",
    "PointRecord",
    "Registrant",
    "Report",
    "UTCDateTime",
    "UploadBatch",
    "Validation",
]
