"""The wording of comments: each criterion holds its codes' default wording (models/criteria/),
and a rubric may override any of them per criterion.

Placeholders are filled from the essay itself ({quote} is always one of the student's sentences),
so no comment can be emitted without pointing at the text it is about.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    message: str
    next_step: str


def default_wording() -> dict[str, Wording]:
    """Every code of every registered criterion, with its default wording."""
    from models.criteria import registered

    return {code: wording for criterion in registered().values()
            for code, wording in criterion.wording.items()}


def weakness_names() -> dict[str, str]:
    """What each improvement is about, in a few words, for a teacher's overview of a class."""
    from models.criteria import registered

    return {code: name for criterion in registered().values()
            for code, name in criterion.weaknesses.items()}


def generic_tips() -> frozenset[str]:
    """Codes whose advice is general (an essay gets at most one of them)."""
    from models.criteria import registered

    return frozenset(code for criterion in registered().values()
                     for code in criterion.generic_tips)


def __getattr__(name: str) -> object:
    """``DEFAULT_WORDING``, ``WEAKNESS_NAMES`` and ``GENERIC_TIPS``, read off the criteria when
    first asked for (the criteria import this module)."""
    readers = {"DEFAULT_WORDING": default_wording, "WEAKNESS_NAMES": weakness_names,
               "GENERIC_TIPS": generic_tips}
    if name in readers:
        return readers[name]()
    raise AttributeError(name)
