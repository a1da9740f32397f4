"""The requirements file (CET_REQUIREMENTS): the bundled GOC 2019-21 defaults, each cited;
a provider's own file read without code; a bad file refused at start-up naming the entry."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from peercet.catalogue.competencies import competencies_of
from peercet.core.settings import load_settings
from peercet.cycles import requirements
from peercet.cycles.requirements import BadRequirements


def bundled_data() -> Any:
    return json.loads(requirements.BUNDLED.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("profession", "points", "interactive", "specialty", "general"),
    [
        ("optometrist", 36, 18, 0, 0),
        ("dispensing_optician", 36, 18, 0, 0),
        ("contact_lens_optician", 36, 18, 18, 18),
        ("therapeutic_prescriber", 54, 18, 18, 36),
    ],
)
def test_the_defaults_are_the_goc_2019_21_scheme(
    profession: str, points: int, interactive: int, specialty: int, general: int
) -> None:
    found = load_settings({}).cet_requirements.of(profession)
    assert (found.points, found.interactive) == (points, interactive)
    assert (found.specialty_points, found.general_points) == (specialty, general)
    assert found.competencies == competencies_of(profession)  # every competency
    assert "2019-21" in found.source and "GOC" in found.source  # each default cited


def test_specialty_cet_is_a_course_on_the_specialtys_own_competencies() -> None:
    clo = requirements.bundled_requirements().of("contact_lens_optician")
    tp = requirements.bundled_requirements().of("therapeutic_prescriber")
    assert clo.specialty_competencies[0] == "Anterior eye assessment"
    assert clo.is_specialty(["Contact lens aftercare", "Ocular disease"])
    assert not clo.is_specialty(["Contact lenses", "Communication"])  # a DO's competency
    assert tp.is_specialty(["prescribing  SAFELY"])  # names compare as the lists do
    assert not tp.is_specialty(["Ocular disease"])
    assert not requirements.bundled_requirements().of("optometrist").is_specialty(["Low vision"])


def test_a_providers_file_changes_the_requirements_without_code(tmp_path: Path) -> None:
    data = bundled_data()
    data["professions"]["optometrist"].update(
        points=30, interactive=10, competencies=["ocular disease", "Communication"]
    )
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(data))
    found = load_settings({"CET_REQUIREMENTS": str(path)}).cet_requirements.of("optometrist")
    assert (found.points, found.interactive) == (30, 10)
    assert found.competencies == ("Ocular disease", "Communication")  # the list's spelling


def _broken(change: Any) -> Any:
    data = copy.deepcopy(bundled_data())
    change(data)
    return data


BAD = [
    (lambda d: d.pop("professions"), "'professions' must name each of"),
    (lambda d: d["professions"].pop("optometrist"), "'professions' must name each of"),
    (lambda d: d["professions"].update(optometrist=[]), "professions.optometrist: an object"),
    (
        lambda d: d["professions"]["optometrist"].update(points="36"),
        "professions.optometrist.points: a whole number",
    ),
    (
        lambda d: d["professions"]["dispensing_optician"].update(interactive=True),
        "professions.dispensing_optician.interactive: a whole number",
    ),
    (
        lambda d: d["professions"]["optometrist"].update(points=-1),
        "professions.optometrist.points: a whole number from 0 to 1000",
    ),
    (
        lambda d: d["professions"]["optometrist"].update(interactive=40),
        "professions.optometrist: interactive, and general plus specialty, exceed points",
    ),
    (
        lambda d: d["professions"]["optometrist"].update(pionts=3),
        "professions.optometrist: unknown field 'pionts'",
    ),
    (
        lambda d: d["professions"]["optometrist"].update(competencies=["Low vision"]),
        "professions.optometrist: 'Low vision' is not a competency of the profession",
    ),
    (
        lambda d: d["professions"]["optometrist"].update(competencies="every"),
        'professions.optometrist: "all" or a non-empty list',
    ),
    (
        lambda d: d["professions"]["contact_lens_optician"]["specialty"].update(points=None),
        "professions.contact_lens_optician.specialty.points: a whole number",
    ),
    (
        lambda d: d["professions"]["contact_lens_optician"]["specialty"].update(name=""),
        "professions.contact_lens_optician.specialty.name",
    ),
    (
        lambda d: d["professions"]["therapeutic_prescriber"]["specialty"].update(
            competencies=["Ocular disease"]
        ),
        "professions.therapeutic_prescriber.specialty.competencies: 'Ocular disease' is not",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_a_bad_file_is_refused_at_start_up_naming_the_entry(
    tmp_path: Path, change: Any, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_broken(change)))
    with pytest.raises(BadRequirements) as raised:
        load_settings({"CET_REQUIREMENTS": str(path)})
    assert str(raised.value).startswith(f"CET_REQUIREMENTS {path}: ")
    assert message in str(raised.value)


@pytest.mark.parametrize("text", ["", "{", "[]", '{"professions": 1}'])
def test_a_file_that_is_not_json_or_no_object_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(BadRequirements, match="CET_REQUIREMENTS"):
        load_settings({"CET_REQUIREMENTS": str(path)})


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadRequirements, match=r"nope\.json"):
        load_settings({"CET_REQUIREMENTS": str(tmp_path / "nope.json")})
