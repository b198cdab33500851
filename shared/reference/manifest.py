"""The packaged data files, their versions and how they are read.

`manifest.json` names every data file with its `version`, `source`, `licence` and the `sha256`
of its text (UTF-8, `\\n` line ends). A table is read only if its digest matches, so a CSV edited
without a manifest update fails loudly on start-up instead of letting two services disagree on
what a code means. Changing a file therefore means: edit it, bump its `version` and the top-level
`version` (exposed as `REFERENCE_VERSION`), and record the new digest.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Sequence
from functools import cache
from importlib import metadata, resources
from typing import Any

from shared.reference.errors import ReferenceDataError

MANIFEST_FILE = "manifest.json"


def _read_text(filename: str) -> str:
    """Read a packaged file as text, tolerating a BOM and CRLF from an editor or a checkout."""
    try:
        raw = resources.files(__package__).joinpath(filename).read_bytes()
    except FileNotFoundError as error:
        raise ReferenceDataError(f"reference file {filename} is not packaged") from error
    return raw.decode("utf-8-sig").replace("\r\n", "\n")


@cache
def manifest() -> dict[str, Any]:
    """The parsed manifest, read once per process."""
    data = json.loads(_read_text(MANIFEST_FILE))
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise ReferenceDataError(f"{MANIFEST_FILE} has no 'files' table")
    return data


def text_digest(text: str) -> str:
    """The digest the manifest records for a file's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_entry(filename: str) -> dict[str, str]:
    """The manifest entry (version, source, licence, sha256) of one data file."""
    entry = manifest()["files"].get(filename)
    if entry is None:
        raise ReferenceDataError(f"{filename} is not listed in {MANIFEST_FILE}")
    return dict(entry)


def file_version(filename: str) -> str:
    """The version string of one data file, e.g. for a `/v1/reference` response."""
    return file_entry(filename)["version"]


def read_table(filename: str, columns: Sequence[str]) -> list[dict[str, str]]:
    """Rows of a packaged CSV as dicts, after checking its digest and its header."""
    text = _read_text(filename)
    if text_digest(text) != file_entry(filename)["sha256"]:
        raise ReferenceDataError(f"{filename} does not match its sha256 in {MANIFEST_FILE}")
    header, *rows = list(csv.reader(io.StringIO(text))) or [[]]
    if tuple(header) != tuple(columns):
        raise ReferenceDataError(f"{filename} header {header} != {list(columns)}")
    for line, row in enumerate(rows, start=2):
        if len(row) != len(columns):
            raise ReferenceDataError(f"{filename} line {line} has {len(row)} fields")
    return [dict(zip(columns, (value.strip() for value in row), strict=True)) for row in rows]


def package_entry(package: str) -> dict[str, Any]:
    """The manifest entry of a data package we depend on (version, data, source, licence, the
    sha256 of each file we read from it)."""
    entry = manifest().get("packages", {}).get(package)
    if entry is None:
        raise ReferenceDataError(f"{package} is not listed in {MANIFEST_FILE}")
    return dict(entry)


def package_data(package: str, module: str, filename: str) -> bytes:
    """A data file of an installed package (gunzipped when `.gz`), refused unless it is the
    release the manifest records: a new release is new reference data, reviewed before use."""
    entry = package_entry(package)
    installed = metadata.version(package)
    if installed != entry["version"]:
        raise ReferenceDataError(
            f"{package} {installed} is installed; {entry['version']} is reviewed"
        )
    try:
        raw = resources.files(module).joinpath("data").joinpath(filename).read_bytes()
    except FileNotFoundError as error:
        raise ReferenceDataError(f"{package} has no data/{filename}") from error
    data = gzip.decompress(raw) if filename.endswith(".gz") else raw
    if hashlib.sha256(data).hexdigest() != entry["sha256"].get(filename):
        raise ReferenceDataError(
            f"{package}'s {filename} does not match its sha256 in {MANIFEST_FILE}"
        )
    return data


REFERENCE_VERSION: str = manifest()["version"]
"""One version for the whole set, bumped whenever any data file or data package changes."""
