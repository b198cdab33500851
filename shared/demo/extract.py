"""Step 7 of the demo: the Dinas imports a DTKS-style extract of Tapin (`dtks-tapin.csv`, shipped
here) — families with their household members, bad rows reported by line and rule — and decides
the likely duplicates the import found: two merged, one left for Dukcapil to settle."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from shared.demo.client import KesosApi, until
from shared.demo.show import Show, place

EXTRACT = "dtks-tapin.csv"
# The look-alikes the Dinas finds to be one person; the third pair waits for Dukcapil.
SAME_PERSON = {"M. Rizky", "Hj. Masriyah"}


@dataclass
class ExtractResult:
    job: dict[str, Any] = field(default_factory=dict)
    bad_rows: list[dict[str, str]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)  # the reviews, as decided


async def import_extract(api: KesosApi, show: Show) -> ExtractResult:
    show.step(7, "The Dinas imports a DTKS extract of Tapin and reviews the duplicates it found")
    result = ExtractResult()
    content = resources.files("shared.demo").joinpath(EXTRACT).read_bytes()
    job = await api.upload(
        "registry", "/v1/imports", content, key="demo-import-dtks", filename=EXTRACT
    )
    result.job = await _finished(api, job["import_id"])
    errors = await api.get("registry", f"/v1/imports/{job['import_id']}/errors")
    result.bad_rows = list(csv.DictReader(io.StringIO(str(errors).removeprefix("\ufeff"))))
    _show_job(show, result)
    for review in await _duplicate_reviews(api):
        result.duplicates.append(await _decided(api, review))
    _show_duplicates(show, result.duplicates)
    return result


async def _finished(api: KesosApi, import_id: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        job = await api.get("registry", f"/v1/imports/{import_id}")
        return dict(job) if job["status"] in ("done", "failed") else None

    return await until("the import finished", done)


async def _duplicate_reviews(api: KesosApi) -> list[dict[str, Any]]:
    """The duplicate reviews, open or decided (a second run of the demo finds them decided)."""
    found = []
    for status in ("open", "resolved"):
        page = await api.get("registry", "/v1/reviews", kind="duplicate", status=status)
        found += page["items"]
    return sorted(found, key=lambda review: review["persons"][0]["name"])


async def _decided(api: KesosApi, review: dict[str, Any]) -> dict[str, Any]:
    newer = review["persons"][0]["name"]
    if review["status"] == "resolved" or newer not in SAME_PERSON:
        return review
    body = {"decision": "same_person", "note": "Diperiksa di lapangan oleh TKSK: orang yang sama"}
    path = f"/v1/reviews/{review['review_id']}/resolve"
    return dict(await api.created("registry", path, body, key=f"demo-review-{newer}"))


def _show_job(show: Show, result: ExtractResult) -> None:
    job = result.job
    show.line(
        f"{EXTRACT}: {job['rows']} baris — {job['persons_created']} orang baru, "
        f"{job['families']} KK, {job['errors']} baris ditolak, "
        f"{job['duplicates']} kemungkinan data ganda"
    )
    show.table(
        "Baris yang ditolak (laporan per baris)",
        ("baris", "kolom", "aturan"),
        [(row["line"], row["column"], row["rule"]) for row in result.bad_rows],
    )


def _show_duplicates(show: Show, reviews: list[dict[str, Any]]) -> None:
    rows = []
    for review in reviews:
        newer, older = review["persons"]
        decision = {"same_person": "digabung", "different_persons": "orang berbeda"}
        rows.append((
            newer["name"], older["name"], place(newer["desa"]), str(review["details"]["score"]),
            decision.get(review["decision"] or "", "menunggu Dukcapil"),
        ))  # fmt: skip
    show.table(
        "Kemungkinan data ganda",
        ("data baru", "sudah terdaftar", "desa", "skor", "keputusan"),
        rows,
    )
