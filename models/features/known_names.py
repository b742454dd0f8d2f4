"""Other names for what history questions name: states by their full and short names, wars by
their several names, organisations and people by their initials.

A question asks about "the USA and the USSR"; an essay answering it writes "America" and "the
Soviet Union". Both name the same thing, so an essay that uses them uses the question's key
terms (and is never told it left a term out for writing it in full). A teacher may list other
forms of a key term too (models/question.py); these are the ones every history class writes.

Only other names of the same thing, never a word that is something else once lowercased ("US"
is "us", "Polish" is "polish", "UN" is the "un" of "un-American"), a people ("Americans" write
about the New Deal and the Cold War alike: a question on America's isolationism must not take
both for its answer) or a neighbouring thing ("Russia" is not the USSR).
"""

from __future__ import annotations

import re
from functools import cache

from models.features.lexicon import alternation

# Each group names one thing; any of its forms counts as any other.
_GROUPS: tuple[tuple[str, ...], ...] = (
    ("USA", "U.S.A.", "United States", "United States of America", "America"),
    ("USSR", "U.S.S.R.", "Soviet Union", "Soviets"),
    ("UK", "United Kingdom", "Britain", "Great Britain"),
    ("First World War", "World War I", "World War One", "WWI", "WW1", "Great War"),
    ("Second World War", "World War II", "World War Two", "WWII", "WW2"),
    ("NATO", "North Atlantic Treaty Organisation", "North Atlantic Treaty Organization"),
    ("EU", "European Union"),
    ("EEC", "European Economic Community"),
    ("Nazis", "Nazi Party", "NSDAP"),
    ("GDR", "East Germany"),
    ("FRG", "West Germany"),
    ("PRC", "People's Republic of China"),
    ("KKK", "Ku Klux Klan"),
    ("FDR", "Franklin Roosevelt", "Franklin D. Roosevelt", "Franklin Delano Roosevelt"),
    ("JFK", "John F. Kennedy"),
    ("MLK", "Martin Luther King"),
)

# The peoples of the states above, as an essay names them ("American policy", "the British"):
# a thesis or a piece of evidence about them is about the state, but an essay that names them
# does not thereby keep to a question about it (essays on the New Deal and on the Cold War both
# say "American" in every paragraph), so they count only where what a sentence is about matters.
_PEOPLES: dict[str, tuple[str, ...]] = {
    "USA": ("American", "Americans"),
    "USSR": ("Soviet",),
    "UK": ("British",),
}


def _key(form: str) -> str:
    words = form.lower().split()
    return " ".join(words[1:] if words[:1] == ["the"] else words)


@cache
def _index() -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[str, ...]] = {}
    for group in _GROUPS:
        for form in group:
            index[_key(form)] = group
    return index


def other_names(form: str) -> tuple[str, ...]:
    """The other names of what the form names ("the USA" -> "United States", "America", …);
    none for a form no group holds."""
    group = _index().get(_key(form), ())
    return tuple(name for name in group if _key(name) != _key(form))


def peoples_of(form: str) -> tuple[str, ...]:
    """How an essay names the people of the state the form names ("the USA" -> "American",
    "Americans"); none for anything else."""
    group = _index().get(_key(form), ())
    return _PEOPLES.get(group[0], ()) if group else ()


@cache
def _finder() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every name and people above (lowercase), and the thing each names."""
    thing = {form: group[0] for form, group in _index().items()}
    thing.update((people.lower(), state) for state, peoples in _PEOPLES.items()
                 for people in peoples)
    # A space opens each: the regex engine then jumps from space to space. The name is group 1.
    return re.compile(f" ({alternation(thing)})(?= )"), thing


def things_named(text: str) -> frozenset[str]:
    """What a padded lowercase text (" gorbachev led the ussr ") names by any of its names, or
    a state by its people ("soviet troops"), each thing by its first name ("USSR")."""
    finder, thing = _finder()
    return frozenset(thing[match.group(1)] for match in finder.finditer(text))
