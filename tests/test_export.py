"""Gradebook CSV cells never run as spreadsheet formulas."""

from __future__ import annotations

import pytest

from grader.export import neutralise


@pytest.mark.parametrize(("value", "expected"), [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
    ("+44 20 7946", "'+44 20 7946"),
    ("-2+3", "'-2+3"),
    ("@cmd", "'@cmd"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("Anna Smith", "Anna Smith"),
    ("3", "3"),
    (4, "4"),
    (None, ""),
])
def test_formula_like_cells_are_prefixed_with_an_apostrophe(value, expected):
    assert neutralise(value) == expected
