"""Templates are data in Bahasa Indonesia; a message never goes out with a hole in it."""

from __future__ import annotations

from datetime import date

import pytest

from services.notifications.adapters.template_file import packaged_templates
from services.notifications.domain.templates import (
    InvalidTemplate,
    MissingVariable,
    Template,
    TemplateBook,
    tanggal,
)

ENROLLED = {
    "enrolment_id": "e-1",
    "batch_id": "b-1",
    "worker_id": "w-1",
    "tier": "dasar",
    "batch_title": "Diklat Dasar PSM 2011",
    "starts_on": "2011-05-24",
    "ends_on": "2011-05-27",
    "venue": "Aula Kantor Dinsosduknaker Tapin",
}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2011, 5, 24), "24 Mei 2011"),
        (date(2011, 1, 1), "1 Januari 2011"),
        (date(2024, 2, 29), "29 Februari 2024"),
        (date(2011, 8, 17), "17 Agustus 2011"),
        (date(2011, 12, 31), "31 Desember 2011"),
    ],
)
def test_dates_are_written_the_indonesian_way(day: date, expected: str) -> None:
    assert tanggal(day) == expected


def test_every_month_has_its_indonesian_name() -> None:
    months = [tanggal(date(2011, month, 1)).split()[1] for month in range(1, 13)]
    assert months == [
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ]  # fmt: skip


def test_the_enrolment_message_names_the_batch_venue_and_dates() -> None:
    enrolment = packaged_templates()["enrolment"]
    variables = enrolment.variables_from(ENROLLED)
    assert enrolment.render({**variables, "name": "Siti Aminah"}) == (
        "Yth. Siti Aminah, Anda terdaftar sebagai peserta Diklat Dasar PSM 2011 di Aula Kantor "
        "Dinsosduknaker Tapin, 24 Mei 2011 s.d. 27 Mei 2011."
    )


def test_the_certificate_message_gives_the_certificate_number() -> None:
    certificate = packaged_templates()["certificate"]
    variables = {"batch_title": "Diklat Dasar PSM 2011", "number": "463/DIKLAT-PSM/2011/007"}
    assert certificate.render({**variables, "name": "Rahmat"}) == (
        "Selamat Rahmat, Anda dinyatakan lulus Diklat Dasar PSM 2011. "
        "Nomor sertifikat Anda: 463/DIKLAT-PSM/2011/007."
    )


def test_variables_are_only_what_the_template_uses_from_the_event() -> None:
    variables = packaged_templates()["enrolment"].variables_from(ENROLLED)
    assert variables == {
        "batch_title": "Diklat Dasar PSM 2011",
        "venue": "Aula Kantor Dinsosduknaker Tapin",
        "starts_on": "2011-05-24",
        "ends_on": "2011-05-27",
    }


def test_rendering_without_the_recipient_name_fails_loudly() -> None:
    enrolment = packaged_templates()["enrolment"]
    with pytest.raises(MissingVariable) as raised:
        enrolment.render(enrolment.variables_from(ENROLLED))
    assert raised.value.missing == ("name",)


@pytest.mark.parametrize("blank", [None, ""])
def test_a_blank_variable_counts_as_missing(blank: str | None) -> None:
    template = Template("greeting", "Yth. {name}.")
    with pytest.raises(MissingVariable):
        template.render({"name": blank})


def test_an_event_lacking_a_variable_is_refused_when_the_delivery_is_recorded() -> None:
    incomplete = {k: v for k, v in ENROLLED.items() if k not in ("venue", "ends_on")}
    with pytest.raises(MissingVariable) as raised:
        packaged_templates()["enrolment"].variables_from(incomplete)
    assert raised.value.missing == ("ends_on", "venue")


def test_a_value_with_braces_is_printed_not_interpreted() -> None:
    assert Template("t", "Yth. {name}.").render({"name": "{venue}"}) == "Yth. {venue}."


@pytest.mark.parametrize(
    "text",
    [
        "Yth. {name.__class__}",  # attribute access: templates are data, not code
        "Yth. {name[0]}",
        "Yth. {name!r}",
        "Yth. {name:>20}",  # only the date spec is known
        "Yth. {name",
        "Yth. {}",
    ],
)
def test_templates_that_are_not_plain_placeholders_are_refused(text: str) -> None:
    with pytest.raises(InvalidTemplate):
        Template("bad", text)


def test_the_packaged_file_is_versioned_and_in_bahasa_indonesia() -> None:
    book = packaged_templates()
    assert book.version >= 1
    assert book.language == "id"
    assert {"enrolment", "certificate"} <= set(book.templates)
    assert packaged_templates() is book  # loaded once


def test_template_data_with_a_duplicate_or_missing_template_is_refused() -> None:
    entry = {"name": "enrolment", "text": "Yth. {name}."}
    with pytest.raises(InvalidTemplate):
        TemplateBook.from_data({"version": 1, "language": "id", "templates": [entry, entry]})
    with pytest.raises(InvalidTemplate):
        TemplateBook.from_data({"version": 1, "language": "id", "templates": [{"name": "x"}]})
    book = TemplateBook.from_data({"version": 1, "language": "id", "templates": [entry]})
    with pytest.raises(InvalidTemplate):
        book.require("enrolment", "certificate")
