"""Citations: labels, equality, summaries, and coverage of the provisions esig cites."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from esig.law import BES, EIDAS, Citation, Instrument, all_citations


@pytest.mark.parametrize(
    ("citation", "label"),
    [
        (BES.ART_3_B, "BES art. 3(b)"),
        (BES.ART_2_1_A_3, "BES art. 2(1)(a)(3°)"),
        (BES.ART_6_1_H, "BES art. 6(1)(h)"),
        (BES.ART_4_5, "BES art. 4(5)"),
        (EIDAS.ART_26_D, "eIDAS art. 26(d)"),
        (EIDAS.ART_3_12, "eIDAS art. 3(12)"),
    ],
)
def test_labels(citation: Citation, label: str) -> None:
    assert str(citation) == label
    assert citation.label == label


def test_citations_are_values() -> None:
    same = Citation(instrument=Instrument.BES, article=3, letter="b")
    assert same == BES.ART_3_B
    assert hash(same) == hash(BES.ART_3_B)
    assert same != BES.ART_3_A
    with pytest.raises(ValidationError):
        BES.ART_3_B.article = 4  # type: ignore[misc]


def test_every_named_citation_has_a_summary() -> None:
    missing = [c.label for c in all_citations() if not c.summary]
    assert missing == []


def test_the_issue_list_is_covered() -> None:
    labels = {c.label for c in all_citations()}
    expected = {f"BES art. 1({x})" for x in "abcd"}
    expected |= {f"BES art. 3({x})" for x in "abcdefg"}
    expected |= {f"BES art. 6(1)({x})" for x in "abcdefgh"}
    expected |= {
        "BES art. 2",
        "BES art. 4",
        "eIDAS art. 3(10)",
        "eIDAS art. 3(11)",
        "eIDAS art. 3(12)",
        "eIDAS art. 26",
    }
    assert expected <= labels


def test_json_round_trip() -> None:
    text = BES.ART_3_F.model_dump_json()
    assert '"label":"BES art. 3(f)"' in text
    assert Citation.model_validate_json(text) == BES.ART_3_F
