"""Other names for what history questions name: states by their full, short and everyday names
and their peoples, wars by their several names, organisations by their initials.

A question asks about "the USA and the USSR"; an essay answering it writes "America", "the
Americans", "the Soviet Union" and "Russia". Both name the same thing, so an essay that keeps
to them keeps to the question's key terms (and is never called off topic, or told it left a
term out, for writing them out in full). A teacher may list other forms of a key term too
(models/question.py); these are the ones every history class writes.

Only names that cannot be another word are listed: "US" is "us" once lowercased, so it is not.
"""

from __future__ import annotations

from functools import cache

# Each group names one thing; any of its forms counts as any other.
_GROUPS: tuple[tuple[str, ...], ...] = (
    ("USA", "U.S.A.", "United States", "United States of America", "America", "American",
     "Americans"),
    ("USSR", "U.S.S.R.", "Soviet Union", "Soviet", "Soviets", "Russia", "Russian", "Russians"),
    ("UK", "United Kingdom", "Britain", "Great Britain", "British"),
    ("First World War", "World War I", "World War One", "WWI", "WW1", "Great War"),
    ("Second World War", "World War II", "World War Two", "WWII", "WW2"),
    ("UN", "United Nations"),
    ("NATO", "North Atlantic Treaty Organisation", "North Atlantic Treaty Organization"),
    ("EU", "European Union"),
    ("EEC", "European Economic Community", "Common Market"),
    ("Nazis", "Nazi", "Nazi Party", "NSDAP", "National Socialists"),
    ("GDR", "East Germany"),
    ("FRG", "West Germany"),
    ("PRC", "People's Republic of China"),
    ("KKK", "Ku Klux Klan", "Klan"),
    ("FDR", "Franklin Roosevelt", "Franklin D. Roosevelt", "Franklin Delano Roosevelt"),
    ("JFK", "John F. Kennedy"),
    ("MLK", "Martin Luther King"),
    # Countries and their peoples: an essay on Germany writes of "the Germans".
    ("France", "French"),
    ("Germany", "German", "Germans"),
    ("Italy", "Italian", "Italians"),
    ("Japan", "Japanese"),
    ("China", "Chinese"),
    ("Spain", "Spanish"),
    ("Poland", "Polish", "Poles"),
    ("Ireland", "Irish"),
    ("India", "Indian", "Indians"),
    ("Austria", "Austrian", "Austrians"),
    ("Hungary", "Hungarian", "Hungarians"),
    ("Prussia", "Prussian", "Prussians"),
    ("Vietnam", "Vietnamese"),
    ("Korea", "Korean", "Koreans"),
    ("Cuba", "Cuban", "Cubans"),
    ("Mexico", "Mexican", "Mexicans"),
    ("Egypt", "Egyptian", "Egyptians"),
    ("Israel", "Israeli", "Israelis"),
    ("Greece", "Greek", "Greeks"),
    ("Ottoman Empire", "Ottomans", "Ottoman"),
    ("Roman Empire", "Romans", "Roman"),
)


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
