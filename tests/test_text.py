"""Repair of the source text's broken characters."""

from pathlib import Path

from pmgraph.graph.text import fold_whitespace, quote_occurs, repair, source_text

SOURCE = Path(__file__).resolve().parents[1] / "sources" / "000_0787654218a80374.txt"


def test_mac_roman_mojibake_is_repaired():
    assert repair("Genomics infrastructure:\u00ac\u2020Wales Gene Park") == (
        "Genomics infrastructure:\u00a0Wales Gene Park"
    )
    broken = "Unit \u201a\u00c4\u00ec Public Health Wales"
    assert repair(broken) == "Unit \u2013 Public Health Wales"
    assert repair("the \u00ac\u00a31bn campus") == "the \u00a31bn campus"


def test_correct_characters_are_left_alone():
    text = "Queen\u2019s University \u2013 \u2018triple-helix\u2019 \u00a3210 million \u2022 item"
    assert repair(text) == text


def test_repaired_source_has_no_broken_sequences_left():
    text = source_text(SOURCE)
    for broken in ("\u00ac", "\u201a\u00c4", "\u00c3", "\u00e2\u20ac"):
        assert broken not in text
    assert "Pathogen Genomics Unit \u2013 Public Health Wales" in text
    assert "the \u00a31bn Queen Elizabeth University Hospital" in text


def test_quotes_match_across_white_space_differences():
    assert fold_whitespace(" a\u00a0 b\n c ") == "a b c"
    assert quote_occurs("Genomics infrastructure: Wales Gene Park", SOURCE)
    assert not quote_occurs("Genomics infrastructure: Wales Gene Parks and", SOURCE)
