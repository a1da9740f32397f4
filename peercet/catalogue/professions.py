"""The four professions of the register, and which courses each may take (pure)."""

from __future__ import annotations

PROFESSIONS = (
    "optometrist",
    "dispensing_optician",
    "contact_lens_optician",
    "therapeutic_prescriber",
)
# A specialty takes its base profession's courses too (DOMAIN.md, "profession").
TAKES_COURSES_OF = {
    "therapeutic_prescriber": {"therapeutic_prescriber", "optometrist"},
    "contact_lens_optician": {"contact_lens_optician", "dispensing_optician"},
    "optometrist": {"optometrist"},
    "dispensing_optician": {"dispensing_optician"},
}


def may_take(profession: str, course_professions: list[str]) -> bool:
    return bool(TAKES_COURSES_OF.get(profession, set()) & set(course_professions))


def profession_name(profession: str) -> str:
    """As a certificate or record prints it: "Dispensing optician"."""
    return profession.replace("_", " ").capitalize()
