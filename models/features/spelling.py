"""Spelling, on pyspellchecker's English word list, made deterministic and British-aware.

pyspellchecker's own ``correction`` breaks frequency ties in set order, which varies between
processes; suggestions here are ranked by (frequency, word) so results never change. Its word
list leans American: a word is known when it, or its American or British spelling, is on it
("cheque", "programmes", "labourers", "analysing"). Words run together ("alot", "infront") are
errors even where the list has them, and are corrected by splitting them, never by a word of
another meaning ("lot", "encase").
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import KeysView
from functools import lru_cache
from typing import NamedTuple

from spellchecker import SpellChecker

from models.memo import Memo

_lock = threading.Lock()
_checker: SpellChecker | None = None

# British spellings the American-leaning list lacks: try the American form before calling a
# word wrong ("industrialisation" -> "industrialization", "colour" -> "color").
_BRITISH = (
    (re.compile(r"isation(s?)$"), r"ization\1"), (re.compile(r"ise(s|d)?$"), r"ize\1"),
    (re.compile(r"ising$"), "izing"), (re.compile(r"yse(s|d)?$"), r"yze\1"),
    (re.compile(r"ysing$"), "yzing"),
    (re.compile(r"our(s|ed|ing|ful|able|ably|ite|ites|er|ers|hood|hoods|less|ism|ist|ists)?$"),
     r"or\1"),
    (re.compile(r"tre(s|d)?$"), r"ter\1"), (re.compile(r"amme(s|d)?$"), r"am\1"),
    (re.compile(r"ogue(s?)$"), r"og\1"), (re.compile(r"lled$"), "led"),
    (re.compile(r"lling$"), "ling"), (re.compile(r"ller(s?)$"), r"ler\1"),
    (re.compile(r"llous$"), "lous"), (re.compile(r"llen$"), "len"),
    (re.compile(r"ould(s|ed|ing|y)?$"), r"old\1"),
    (re.compile(r"^(p|encyclop|orthop|an)ae"), r"\1e"), (re.compile(r"^oe"), "e"),
)
# The other direction, for a word the list has only in its British spelling.
_AMERICAN = (
    (re.compile(r"iz(e|ed|es|ing)$"), r"is\1"), (re.compile(r"ization(s?)$"), r"isation\1"),
    (re.compile(r"([^aeiou])or(s|ed|ing)?$"), r"\1our\2"), (re.compile(r"ter(s?)$"), r"tre\1"),
)
# British words whose American spelling no safe rule gives ("-ence" to "-ense" would also
# accept "sence").
_BRITISH_WORDS = {
    "defence": "defense", "defences": "defenses", "offence": "offense", "offences": "offenses",
    "licence": "license", "licences": "licenses", "pretence": "pretense",
    "cheque": "check", "cheques": "checks", "draught": "draft", "draughts": "drafts",
    "aluminium": "aluminum", "jewellery": "jewelry", "sceptic": "skeptic",
    "sceptics": "skeptics", "sceptical": "skeptical", "scepticism": "skepticism",
    "aeroplane": "airplane", "aeroplanes": "airplanes", "manoeuvre": "maneuver",
    "manoeuvres": "maneuvers", "manoeuvred": "maneuvered", "kerb": "curb", "pyjamas": "pajamas",
    "gaol": "jail", "gaols": "jails", "dreamt": "dreamed", "plough": "plow", "ploughs": "plows",
    "ploughed": "plowed", "tyre": "tire", "tyres": "tires", "grey": "gray", "storey": "story",
    "storeys": "stories", "moult": "molt", "smoulder": "smolder", "smouldering": "smoldering",
}
# Words run together that the list may know but that are errors in an essay.
RUN_TOGETHER = {
    "alot": "a lot", "infront": "in front", "aswell": "as well", "eachother": "each other",
    "incase": "in case", "atleast": "at least", "inorder": "in order", "everytime": "every time",
    "alittle": "a little", "abit": "a bit", "thankyou": "thank you", "ofcourse": "of course",
    "infact": "in fact", "eventhough": "even though", "noone": "no one", "inspite": "in spite",
    "upto": "up to", "atall": "at all", "aswel": "as well", "alotof": "a lot of",
}
# First words of a split worth suggesting: the short words students run into the next one.
_SPLIT_FIRST = frozenset("""
a an as at by in of on to up no so be each every any some all thank even
""".split())


def checker() -> SpellChecker:
    """The process-wide spell checker (its word list takes a moment to load)."""
    global _checker
    with _lock:
        if _checker is None:
            _checker = SpellChecker(distance=1)
        return _checker


# British and American spellings of one word: an essay that writes "industrialization" uses the
# term "industrialisation". A variant that is no word at all only never matches.
_SPELLINGS = ((r"isation", "ization"), (r"ization", "isation"), (r"is(e|ed|es|ing)$", r"iz\1"),
              (r"iz(e|ed|es|ing)$", r"is\1"), (r"our(s|ed|ing)?$", r"or\1"),
              (r"([^aeiou])or(s|ed|ing)?$", r"\1our\2"), (r"tre(s)?$", r"ter\1"),
              (r"ter(s)?$", r"tre\1"), (r"ence$", "ense"), (r"ense$", "ence"),
              (r"amme(s)?$", r"am\1"))


def spelling_variants(form: str) -> list[str]:
    """Other spellings of a term's form, word by word ('Labour Party' -> 'Labor Party')."""
    out = []
    for pattern, replacement in _SPELLINGS:
        changed = [re.sub(pattern, replacement, word) if len(word) > 4 else word
                   for word in form.split(" ")]
        variant = " ".join(changed)
        if variant != form and variant not in out:
            out.append(variant)
    return out


def word_variants(word: str) -> list[str]:
    """The word's other spellings, British to American and American to British."""
    out = [_BRITISH_WORDS[word]] if word in _BRITISH_WORDS else []
    out += [british for british, american in _BRITISH_WORDS.items() if american == word]
    out += [pattern.sub(repl, word) for pattern, repl in (*_BRITISH, *_AMERICAN)
            if pattern.search(word)]
    return [v for v in dict.fromkeys(out) if v != word]


def is_known(word: str) -> bool:
    """A word is spelt correctly when it, or its American or British spelling, is on the list;
    words run together ("alot") never are. (For many words, map ``KNOWN.__getitem__``.)"""
    return KNOWN[word]


def _spelt_right(word: str) -> bool:
    if word in RUN_TOGETHER:
        return False
    spell = checker()
    if word in spell:
        return True
    return any(variant in spell for variant in word_variants(word))


# Whether each word is spelt right (``is_known``), by word: every word of every essay is asked.
KNOWN: Memo[str, bool] = Memo(_spelt_right, 65536)


def _rarity(word: str) -> float:
    """How much a word says about what a text is about: 0 for everyday words ("people",
    "think", "believe"), rising for rarer ones ("computer" 1.3, "library" 1.9, "censorship"
    3.2), from the word list's corpus frequencies (log10 of the inverse frequency, less 3)."""
    frequency = checker().word_frequency
    return max(0.0, math.log10(frequency.total_words / (frequency[word] + 100)) - 3.0)


# Each word's rarity (``_rarity``), by word: every content word of every essay is weighed.
RARITY: Memo[str, float] = Memo(_rarity, 65536)


@lru_cache(maxsize=8192)
def suggestion(word: str) -> str | None:
    """Words run together split apart ("alot" -> "a lot"), else the most frequent known word
    one edit away, ties broken alphabetically. A split comes first: the nearest single word
    ("lot", "encase", "infant") would change what the student meant."""
    if word in RUN_TOGETHER:
        return RUN_TOGETHER[word]
    split = _split(word)
    if split is not None:
        return split
    spell = checker()
    candidates = spell.known(_words_one_edit_away(word))
    if not candidates:
        return None
    return min(candidates, key=lambda c: (-spell.word_usage_frequency(c), c))


def _words_one_edit_away(word: str) -> set[str]:
    """The list's words one edit (a letter dropped, swapped with the next, changed or added)
    from ``word``: pyspellchecker's ``edit_distance_1`` kept to the list's words.

    Its edits use the list's 45 letters, 18 of them accented, and a word's suggestion cost
    some 850 strings. Only 375 of the 160,000 words on the list have an accented letter, so
    a plain word's edits are made with the 27 plain letters alone, and the accented words one
    edit away are looked up by their shape (``_Neighbours.accented``). Other words go the
    library's way."""
    neighbours = _neighbours()
    if not (word.isascii() and word.isalpha() and word.islower()
            and len(word) <= neighbours.longest):
        spell = checker()
        return spell.edit_distance_1(word) & spell.word_frequency.dictionary.keys()
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    letters = neighbours.plain_letters
    edits = {left + right[1:] for left, right in splits if right}
    edits.update(left + right[1] + right[0] + right[2:] for left, right in splits
                 if len(right) > 1)
    edits.update(left + c + right[1:] for left, right in splits if right for c in letters)
    edits.update(left + c + right for left, right in splits for c in letters)
    # The edits are lowercase, as the list is: one set intersection finds the words.
    found = edits & neighbours.words
    # An accented word one edit from a plain one has its one accented letter where the edit
    # is: changed into it or added.
    accented = neighbours.accented
    for left, right in splits:
        found.update(accented.get(f"{left}\0{right}", ()))
        if right:
            found.update(accented.get(f"{left}\0{right[1:]}", ()))
    return found


class _Neighbours(NamedTuple):
    words: KeysView[str]
    plain_letters: str
    # Words with one letter outside ASCII, by their shape: "\0" in that letter's place.
    accented: dict[str, tuple[str, ...]]
    longest: int  # longer words are not checked at all (the library returns them unchanged)


@lru_cache(maxsize=1)
def _neighbours() -> _Neighbours:
    spell = checker()
    frequency = spell.word_frequency
    letters = frequency.letters
    plain = "".join(sorted(c for c in letters if c.isascii()))
    shapes: dict[str, list[str]] = {}
    for word in frequency.dictionary:
        if word.isascii():
            continue
        fancy = [k for k, c in enumerate(word) if not c.isascii()]
        if len(fancy) == 1 and word[fancy[0]] in letters:
            k = fancy[0]
            shapes.setdefault(f"{word[:k]}\0{word[k + 1:]}", []).append(word)
    return _Neighbours(frequency.dictionary.keys(), plain,
                       {shape: tuple(words) for shape, words in shapes.items()},
                       frequency.longest_word_length + 3)


def _split(word: str) -> str | None:
    """Two common words the word runs together, the first a short one ("eachother")."""
    spell = checker()
    frequency = spell.word_frequency
    best, best_count = None, 0
    for cut in range(1, len(word) - 1):
        first, rest = word[:cut], word[cut:]
        if first not in _SPLIT_FIRST or len(rest) < 2 or rest not in spell:
            continue
        count = min(frequency[first], frequency[rest])
        if count > best_count:
            best, best_count = f"{first} {rest}", count
    return best if best_count >= _COMMON else None


_COMMON = 5000  # corpus count of a word common enough to be meant (about the top 10,000)
