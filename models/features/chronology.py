"""Dates against the question's period: a year far outside it is flagged for the teacher.

Facts are not checked; this is the one check on them a machine can make without knowing
history. An essay on the New Deal (1933-1939) may reach back to 1929 or to the Constitution of
1787, one on the French Revolution to the Estates-General of 1614; but a year more than two
centuries outside the period ("the First World War began in 1066") is almost always a slip or
an invention. Such a sentence is flagged, quoted, for the teacher, and earns no evidence
credit: a wrong date must never be praised as precise evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.document import EssayDoc, Sentence
from models.features.lexicon import MONTHS
from models.question import Period

FAR_YEARS = 200  # how far outside the period a year must lie to be flagged
_FOUR_DIGITS = re.compile(r"^(1[0-9]{3}|20[0-9]{2})(s|’s|'s)?$")
_SHORT_NUMBER = re.compile(r"^[0-9]{1,4}$")
_DIGIT = re.compile(r"[0-9]")
_ASCII_DIGITS = frozenset("0123456789")
_BEFORE_CHRIST = frozenset({"bc", "bce", "b.c.", "b.c.e."})
_ANNO_DOMINI = frozenset({"ad", "a.d.", "ce"})
# Words before a number that make it a year even when it looks like a quantity ("in 1500").
_TEMPORAL = frozenset("""
in by since until till from to before after during of year around circa c. early late mid
""".split()) | MONTHS


@dataclass(frozen=True)
class DatedSentence:
    sentence: int
    year: int
    written: str  # the year as the essay writes it ("1066", "49 BC")


def years_in(sentence: Sentence) -> list[tuple[int, str]]:
    """(year, as written) for each number the sentence uses as a year; BC years negative.

    A four-digit number followed by a noun is a quantity ("1500 soldiers"), and a round
    hundred is a year only after a word of time ("in 1500")."""
    cached = sentence.memo.get("years")
    if cached is None:
        # Every form of a year has an ASCII digit; most sentences have none.
        cached = sentence.memo["years"] = (_years_in(sentence.tokens)
                                           if _DIGIT.search(sentence.text) else [])
    return cached


def _years_in(tokens) -> list[tuple[int, str]]:
    out = []
    for i, token in enumerate(tokens):
        if token.text[:1] not in _ASCII_DIGITS:  # each form of a year below opens with one
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        before = tokens[i - 1] if i > 0 else None
        if _SHORT_NUMBER.match(token.text) and after is not None \
                and after.lower in _BEFORE_CHRIST and int(token.text) > 0:
            out.append((-int(token.text), f"{token.text} {after.text}"))
            continue
        if _SHORT_NUMBER.match(token.text) and before is not None \
                and before.lower in _ANNO_DOMINI and int(token.text) > 0:
            out.append((int(token.text), f"{before.text} {token.text}"))
            continue
        match = _FOUR_DIGITS.match(token.text)
        if not match:
            continue
        temporal = before is not None and before.lower in _TEMPORAL
        if after is not None and after.pos in {"NOUN", "PROPN"} and after.lower not in MONTHS \
                and not temporal and not match.group(2):
            continue
        if int(match.group(1)) % 100 == 0 and not temporal:
            continue
        out.append((int(match.group(1)), token.text))
    return out


def dates_out_of_period(essay: EssayDoc, period: Period | None) -> list[DatedSentence]:
    """Years more than FAR_YEARS outside the period, one entry per sentence and year."""
    if period is None:
        return []
    out = []
    for sentence in essay.sentences:
        seen = set()
        for year, written in years_in(sentence):
            if period.distance(year) > FAR_YEARS and year not in seen:
                seen.add(year)
                out.append(DatedSentence(sentence.index, year, written))
    return out
