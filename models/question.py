"""The question an essay answers: its text, key terms, period and the sources students were given.

A rubric says how to judge; a question says what is asked. Teachers set their own questions, so
nothing in the engine may assume one: everything topical (key terms, off-topic judgement, the
dates that fit, any feedback that names a topic) comes from the question an essay is graded
against. Without a question, the engine grades the writing and does not judge the topic.

    question = Question.build("How far did the New Deal (1933-1939) end the Great Depression?",
                              key_terms=["Roosevelt"], period="1933-1939")
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from models.errors import GraderError

MAX_QUESTION_CHARS = 2000
MAX_KEY_TERMS = 40
MAX_TERM_CHARS = 100
MAX_SOURCES = 10
MAX_SOURCE_CHARS = 20_000

_ERA = r"(?:BCE|BC|CE|AD|B\.C\.|A\.D\.)"
_YEAR = rf"(?:{_ERA}\s*)?(\d{{1,4}})(?:\s*{_ERA})?"
_PERIOD = re.compile(rf"^\s*(?:{_ERA}\s*)?(\d{{1,4}})\s*({_ERA})?\s*"
                     rf"(?:(?:-|–|—|to|until)\s*(?:{_ERA}\s*)?(\d{{1,4}})\s*({_ERA})?)?\s*$",
                     re.IGNORECASE)
# Years a question names: four digits from 1000 to 2099, or a number marked BC/AD.
_QUESTION_YEAR = re.compile(rf"\b(1\d{{3}}|20\d{{2}})(?:s|’s|'s)?\b|\b(\d{{1,4}})\s*({_ERA})",
                            re.IGNORECASE)


class QuestionError(GraderError):
    """A question, key term or period a person typed cannot be used; the message says why."""


@dataclass(frozen=True)
class KeyTerm:
    """A term the essay is expected to use, with the other forms that count as it."""

    term: str
    aliases: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)


@dataclass(frozen=True, order=True)
class Period:
    """Years, BC as negative numbers (there is no year 0)."""

    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """'1933-1939', '1933–1939', '1914', '133 BC-27 BC', '49 BC to AD 14'."""
        match = _PERIOD.match(text or "")
        if not match:
            raise QuestionError(f"the period '{_short(text)}' is not a year or a range of years "
                                f"such as 1933-1939 (or 133 BC-27 BC)")
        first, first_era, last, last_era = match.groups()
        # An era written once at the end covers both ends: "133-27 BC".
        bc_end = _is_bc(last_era) if last is not None else _is_bc(first_era)
        bc_start = _is_bc(first_era) or (first_era is None and bc_end)
        start = _year(int(first), bc_start)
        end = _year(int(last), bc_end) if last is not None else start
        if start == 0 or end == 0:
            raise QuestionError("there is no year 0: write 1 BC or AD 1")
        if end < start:
            raise QuestionError(f"the period '{_short(text)}' ends before it starts")
        return cls(start, end)

    def __str__(self) -> str:
        if self.start == self.end:
            return _label(self.start)
        if self.start < 0 < self.end:
            return f"{_label(self.start)}–AD {self.end}"
        if self.end < 0:
            return f"{_label(self.start)}–{_label(self.end)}"
        return f"{self.start}–{self.end}"

    def distance(self, year: int) -> int:
        """How many years ``year`` lies outside the period (0 inside it)."""
        return max(self.start - year, year - self.end, 0)


def _is_bc(era: str | None) -> bool:
    return bool(era) and era.upper().replace(".", "").startswith("B")


def _year(number: int, bc: bool) -> int:
    return -number if bc else number


def _label(year: int) -> str:
    return f"{-year} BC" if year < 0 else str(year)


def _short(text: str | None, limit: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


def years_named(text: str) -> list[int]:
    """The years a question's text names, in order (BC as negative numbers)."""
    years = []
    for match in _QUESTION_YEAR.finditer(text):
        if match.group(1):
            year = int(match.group(1))
            years.append(year)
            if year % 10 == 0 and match.group(0)[-1:].lower() == "s":
                years.append(year + 9)  # "the 1920s" runs to 1929
        elif int(match.group(2)) > 0:
            years.append(_year(int(match.group(2)), _is_bc(match.group(3))))
    return years


@dataclass(frozen=True)
class Question:
    """What is asked. ``key_terms`` are the ones a teacher gave; without them the engine derives
    terms from the text. ``class_terms`` are words most of the class's own essays use, added by
    the service once a class has written enough (models/features/class_terms.py)."""

    text: str
    key_terms: tuple[KeyTerm, ...] = ()
    period: Period | None = None
    sources: tuple[str, ...] = ()
    class_terms: tuple[str, ...] = ()

    @classmethod
    def build(cls, text: str, key_terms: Iterable[str | KeyTerm] | str | None = None,
              period: str | Period | None = None, sources: Sequence[str] = (),
              class_terms: Sequence[str] = ()) -> Question:
        """A question from what a person typed, checked; QuestionError says what is wrong.

        ``key_terms`` may be a list or one string separated by commas or semicolons; a term may
        list its other forms after a slash ('USSR / Soviet Union / Soviets')."""
        text = " ".join((text or "").split())
        if not text:
            raise QuestionError("the question is empty")
        if len(text) > MAX_QUESTION_CHARS:
            raise QuestionError(f"the question has {len(text):,} characters; the limit is "
                                f"{MAX_QUESTION_CHARS:,}")
        if "\x00" in text:
            raise QuestionError("the question contains a NUL character")
        terms = parse_key_terms(key_terms)
        if isinstance(period, str):
            period = Period.parse(period) if period.strip() else None
        cleaned = tuple(s.strip() for s in sources if s and s.strip())
        if len(cleaned) > MAX_SOURCES:
            raise QuestionError(f"{len(cleaned)} source texts; the limit is {MAX_SOURCES}")
        for source in cleaned:
            if len(source) > MAX_SOURCE_CHARS:
                raise QuestionError(f"a source text has {len(source):,} characters; the limit "
                                    f"is {MAX_SOURCE_CHARS:,}")
        return cls(text, terms, period, cleaned, tuple(dict.fromkeys(class_terms)))

    @property
    def effective_period(self) -> Period | None:
        """The period given, or else the span of the years the question names."""
        if self.period is not None:
            return self.period
        years = years_named(self.text)
        return Period(min(years), max(years)) if years else None

    @property
    def period_source(self) -> str | None:
        if self.period is not None:
            return "given"
        return "question" if self.effective_period is not None else None

    def with_class_terms(self, terms: Sequence[str]) -> Question:
        return Question(self.text, self.key_terms, self.period, self.sources,
                        tuple(dict.fromkeys(terms)))

    @property
    def digest(self) -> str:
        """Identifies the question (class terms included: they change how essays are read)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    def to_dict(self) -> dict:
        """Its stored form (``from_dict`` reads it back)."""
        return {"text": self.text,
                "key_terms": [{"term": t.term, "aliases": list(t.aliases)} for t in self.key_terms],
                "period": str(self.period) if self.period else None,
                "sources": list(self.sources), "class_terms": list(self.class_terms)}

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        terms = tuple(KeyTerm(t["term"], tuple(t.get("aliases", ())))
                      for t in data.get("key_terms") or ())
        period = data.get("period")
        return cls(data["text"], terms, Period.parse(period) if period else None,
                   tuple(data.get("sources") or ()), tuple(data.get("class_terms") or ()))


def parse_key_terms(value: Iterable[str | KeyTerm] | str | None) -> tuple[KeyTerm, ...]:
    """Key terms as a teacher types them: 'New Deal, Roosevelt; WPA / Works Progress
    Administration' (commas, semicolons or new lines between terms; slashes between the forms
    of one term), or a list of such strings."""
    if value is None:
        return ()
    items = re.split(r"[,;\n]", value) if isinstance(value, str) else list(value)
    out: list[KeyTerm] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, KeyTerm):
            term = item
        else:
            if not isinstance(item, str):
                raise QuestionError("key terms must be text")
            forms = [" ".join(f.split()) for f in item.split("/")]
            forms = [f for f in forms if f]
            if not forms:
                continue
            too_long = next((f for f in forms if len(f) > MAX_TERM_CHARS), None)
            if too_long is not None:
                raise QuestionError(f"the key term '{_short(too_long)}' is longer than "
                                    f"{MAX_TERM_CHARS} characters")
            if any("\x00" in f for f in forms):
                raise QuestionError("a key term contains a NUL character")
            term = KeyTerm(forms[0], tuple(forms[1:]))
        if term.term.lower() in seen:
            continue
        seen.add(term.term.lower())
        out.append(term)
    if len(out) > MAX_KEY_TERMS:
        raise QuestionError(f"{len(out)} key terms; the limit is {MAX_KEY_TERMS}")
    return tuple(out)
