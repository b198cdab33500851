"""Every registry rule has its problem type, in the one table of `entrypoints/http.py`."""

from __future__ import annotations

from services.registry.domain import errors
from services.registry.entrypoints.http import PROBLEMS, problem_of


def test_every_named_error_maps_to_a_problem():
    named = set(errors.RegistryError.__subclasses__())
    assert named == set(PROBLEMS)


def test_a_wrong_level_names_the_level_the_role_needs():
    problem = problem_of(errors.WrongWilayahLevel("psm", "63.05.01", "kecamatan", "desa"))
    assert (problem.status, problem.rule) == (422, "wilayah-not-desa")


def test_a_conflict_carries_only_the_facts_the_caller_may_see():
    hidden = problem_of(errors.NikAlreadyRegistered(None)).body()
    assert hidden["type"] == "urn:kesos:problem:nik-already-registered"
    assert "worker_id" not in hidden
    named = problem_of(errors.TkskAlreadyActive("63.05.01", "w-1")).body()
    assert (named["status"], named["kecamatan"], named["worker_id"]) == (409, "63.05.01", "w-1")
