"""The wilayah scope rule (DESIGN.md §7): whole segments, never string prefixes."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared.security.scope import canonical, intersects, is_wilayah_code, narrowest, within

PROVINCE, KABUPATEN, KECAMATAN, DESA = "63", "63.05", "63.05.01", "63.05.01.2003"


@pytest.mark.parametrize(
    ("record", "scope", "inside"),
    [
        # a province caller sees its whole province and nothing else
        (PROVINCE, PROVINCE, True),
        (KABUPATEN, PROVINCE, True),
        (KECAMATAN, PROVINCE, True),
        (DESA, PROVINCE, True),
        ("64.01.01.2001", PROVINCE, False),
        ("6", PROVINCE, False),
        # a kabupaten caller
        (KABUPATEN, KABUPATEN, True),
        (DESA, KABUPATEN, True),
        ("63.06.01.2003", KABUPATEN, False),
        (PROVINCE, KABUPATEN, False),
        ("63.50", KABUPATEN, False),
        # a kecamatan caller
        (KECAMATAN, KECAMATAN, True),
        ("63.05.01.1001", KECAMATAN, True),
        ("63.05.02.2003", KECAMATAN, False),
        (KABUPATEN, KECAMATAN, False),
        # a desa caller sees only its desa
        (DESA, DESA, True),
        ("63.05.01.2004", DESA, False),
        (KECAMATAN, DESA, False),
        # undotted codes on either side, normalised by the 2/2/2/4 structure
        ("6305012003", KABUPATEN, True),
        (DESA, "6305", True),
        ("6305012003", "630501", True),
        ("6306012003", "6305", False),
        ("63", "63", True),
        # string-prefix accidents never match
        (KABUPATEN, "63.0", False),
        ("63.050", KABUPATEN, False),
        ("63.05.012003", KABUPATEN, False),
        ("63.05.01.20031", KABUPATEN, False),
        # malformed codes are inside nothing and contain nothing
        ("", PROVINCE, False),
        (PROVINCE, "", False),
        ("63.", PROVINCE, False),
        (".63", PROVINCE, False),
        ("63..05", PROVINCE, False),
        ("63.5", PROVINCE, False),
        ("63.05.01.203", PROVINCE, False),
        ("630", PROVINCE, False),
        ("63050", PROVINCE, False),
        ("63050120", PROVINCE, False),
        ("6305.01", PROVINCE, False),
        ("63.0501", PROVINCE, False),
        ("ab.cd", "ab", False),
        (" 63.05", PROVINCE, False),
        ("63.05\n", PROVINCE, False),
        ("٦٣.05", "٦٣", False),  # Arabic-Indic digits are digits to `\d`, not to Kemendagri
        ("*", PROVINCE, False),
        (KABUPATEN, "*", False),
        (KABUPATEN, "%", False),
        (None, PROVINCE, False),
        (PROVINCE, None, False),
    ],
)
def test_within_compares_whole_segments(
    record: str | None, scope: str | None, inside: bool
) -> None:
    assert within(record, scope) is inside


@pytest.mark.parametrize(
    ("code", "dotted"),
    [
        ("63", "63"),
        ("6305", "63.05"),
        ("630501", "63.05.01"),
        ("6305012003", "63.05.01.2003"),
        ("63.05.01.2003", "63.05.01.2003"),
        ("63.0", None),
        ("630501200", None),
        ("", None),
    ],
)
def test_canonical_is_the_dotted_form_or_none(code: str, dotted: str | None) -> None:
    assert canonical(code) == dotted
    assert is_wilayah_code(code) is (dotted is not None)


@pytest.mark.parametrize(
    ("scope", "requested", "sees"),
    [
        (KABUPATEN, KECAMATAN, KECAMATAN),  # asking for less than one's scope narrows
        (KABUPATEN, PROVINCE, KABUPATEN),  # asking for more never widens
        (KABUPATEN, KABUPATEN, KABUPATEN),
        (KABUPATEN, "630501", KECAMATAN),
        (KABUPATEN, "63.06", None),  # a sibling: nothing
        (KABUPATEN, "63.0", None),
        (KABUPATEN, "garbage", None),
        ("garbage", KABUPATEN, None),
    ],
)
def test_a_list_filter_is_the_narrowest_overlap(
    scope: str, requested: str, sees: str | None
) -> None:
    assert narrowest(scope, requested) == sees
    assert intersects(scope, requested) is (sees is not None)


# --- properties ---------------------------------------------------------------------------

WIDTHS = (2, 2, 2, 4)


def _segment(width: int) -> st.SearchStrategy[str]:
    return st.integers(0, 10**width - 1).map(lambda n: str(n).zfill(width))


codes = st.integers(1, 4).flatmap(lambda depth: st.tuples(*(_segment(w) for w in WIDTHS[:depth])))


@settings(max_examples=100, deadline=None)
@given(codes)
def test_a_code_is_within_itself_and_each_of_its_ancestors(parts: tuple[str, ...]) -> None:
    code = ".".join(parts)
    assert within(code, code)
    assert within("".join(parts), code)
    for depth in range(1, len(parts) + 1):
        ancestor = ".".join(parts[:depth])
        assert within(code, ancestor)
        assert within(code, "".join(parts[:depth]))


@settings(max_examples=100, deadline=None)
@given(codes, st.data())
def test_a_code_is_never_within_a_sibling(parts: tuple[str, ...], data: st.DataObject) -> None:
    width = WIDTHS[len(parts) - 1]
    other = data.draw(_segment(width).filter(lambda s: s != parts[-1]))
    sibling = ".".join((*parts[:-1], other))
    code = ".".join(parts)
    assert not within(code, sibling)
    assert not within(sibling, code)
    assert narrowest(code, sibling) is None


@settings(max_examples=100, deadline=None)
@given(codes, st.integers(1, 3))
def test_an_ancestor_is_never_within_its_descendant(parts: tuple[str, ...], cut: int) -> None:
    assume(cut < len(parts))
    assert not within(".".join(parts[:cut]), ".".join(parts))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=14).filter(lambda text: canonical(text) is None), codes)
def test_malformed_text_neither_matches_nor_contains(text: str, parts: tuple[str, ...]) -> None:
    code = ".".join(parts)
    assert not within(text, code)
    assert not within(code, text)
    assert not within(text, text)
