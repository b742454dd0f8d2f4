"""Spelling, on pyspellchecker's English word list, made deterministic and British-aware.

pyspellchecker's own ``correction`` breaks frequency ties in set order, which varies between
processes; suggestions here are ranked by (frequency, word) so results never change.
"""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache

from spellchecker import SpellChecker

_lock = threading.Lock()
_checker: SpellChecker | None = None

# British spellings the American-leaning list lacks: try the American form before calling a
# word wrong ("industrialisation" -> "industrialization", "colour" -> "color").
_BRITISH = (
    (re.compile(r"isation(s?)$"), r"ization\1"), (re.compile(r"ise(s|d)?$"), r"ize\1"),
    (re.compile(r"ising$"), "izing"), (re.compile(r"yse(s|d)?$"), r"yze\1"),
    (re.compile(r"our(s|ed|ing|ful|able|ite|ites)?$"), r"or\1"),
    (re.compile(r"tre(s?)$"), r"ter\1"),
    (re.compile(r"ogue(s?)$"), r"og\1"), (re.compile(r"lled$"), "led"),
    (re.compile(r"lling$"), "ling"), (re.compile(r"ence$"), "ense"),
)


def checker() -> SpellChecker:
    """The process-wide spell checker (its word list takes a moment to load)."""
    global _checker
    with _lock:
        if _checker is None:
            _checker = SpellChecker(distance=1)
        return _checker


@lru_cache(maxsize=65536)
def is_known(word: str) -> bool:
    spell = checker()
    if word in spell:
        return True
    return any(pattern.search(word) and pattern.sub(repl, word) in spell
               for pattern, repl in _BRITISH)


@lru_cache(maxsize=65536)
def rarity(word: str) -> float:
    """How much a word says about what a text is about: 0 for everyday words ("people",
    "think", "believe"), rising for rarer ones ("computer" 1.3, "library" 1.9, "censorship"
    3.2), from the word list's corpus frequencies (log10 of the inverse frequency, less 3)."""
    frequency = checker().word_frequency
    return max(0.0, math.log10(frequency.total_words / (frequency[word] + 100)) - 3.0)


@lru_cache(maxsize=8192)
def suggestion(word: str) -> str | None:
    """The most frequent known word one edit away, ties broken alphabetically."""
    spell = checker()
    candidates = spell.known(spell.edit_distance_1(word))
    if not candidates:
        return None
    return min(candidates, key=lambda c: (-spell.word_usage_frequency(c), c))
