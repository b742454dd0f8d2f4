"""Key terms read off a question's own words, for questions a teacher set without any.

A question names what it is about in its noun phrases ("the New Deal", "the Great Depression",
"Stalin's industrialisation of the Soviet Union"), and asks with words any question uses ("How
far", "assess", "aims, methods and results"). The terms are the runs of names and nouns left
once the asking words, dates and months are taken out; each run is a term, and a run of several
words also counts when an essay uses its main word ("the Depression", "alliances"), so the
engine does not tell a student that they left out a term they did use.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spacy.tokens import Doc

from models.features.known_names import other_names
from models.features.lexicon import ERA_WORDS, GENERIC_LEMMAS, MONTHS, QUESTION_WORDS
from models.features.spelling import spelling_variants  # British and American spellings
from models.question import KeyTerm

_NAME_LINKS = frozenset({"of", "the"})  # inside a name: "Treaty of Versailles"
_RUN_POS = frozenset({"NOUN", "PROPN", "ADJ"})
# Heads that name a kind of thing rather than the thing: "the alliance system" is about
# alliances, so the word before such a head is the one an essay is expected to use.
_WEAK_HEADS = frozenset("""
system systems policy policies process situation problem problems issue issues idea ideas
movement movements programme programmes program programs
""".split())


@dataclass(frozen=True)
class _Word:
    """A word of the question; hyphenated compounds ('Five-Year') are one word."""

    text: str
    pos: str
    candidate: bool


def _words(doc: Doc) -> list[_Word]:
    groups: list[list] = []
    for token in doc:
        joined = groups and (token.text == "-" or groups[-1][-1].text == "-") and \
            not groups[-1][-1].whitespace_ and token.i + (token.text == "-") < len(doc)
        if joined:
            groups[-1].append(token)
        else:
            groups.append([token])
    words = []
    for group in groups:
        text = "".join(t.text_with_ws for t in group).strip()
        head = group[-1]
        lower = head.lower_
        if len(group) > 1:  # a compound: a candidate if any part is one
            candidate = any(t.is_alpha and t.lower_ not in QUESTION_WORDS for t in group) and \
                head.is_alpha
        else:
            # "First" is a stop word, but not in "the First World War".
            name = head.pos_ == "PROPN" and head.text[:1].isupper()
            # "the successes and failures of …" ask as "success" and "failure" do.
            candidate = (head.is_alpha and len(lower) > 1 and (name or not head.is_stop)
                         and head.pos_ in _RUN_POS and lower not in QUESTION_WORDS
                         and (name or head.lemma_.lower() not in QUESTION_WORDS)
                         and lower not in ERA_WORDS and lower not in MONTHS
                         and (name or head.lemma_.lower() not in GENERIC_LEMMAS))
        words.append(_Word(text, head.pos_, candidate))
    # A month before a name is part of it: "the February Revolution", "the July Crisis".
    return [replace(word, candidate=True) if (
        word.text.lower() in MONTHS and word.text[:1].isupper() and k + 1 < len(words)
        and words[k + 1].candidate and words[k + 1].text[:1].isupper()) else word
        for k, word in enumerate(words)]


def _runs(words: list[_Word]) -> list[list[_Word]]:
    """Maximal runs of candidate words; 'of'/'the' join capitalised words into one name
    ("Treaty of Versailles", "Battle of the Somme")."""
    runs: list[list[_Word]] = []
    current: list[_Word] = []
    for position, word in enumerate(words):
        if word.candidate:
            current.append(word)
            continue
        before = next((w for w in reversed(current) if w.text.lower() not in _NAME_LINKS), None)
        following = next((w for w in words[position + 1:]
                          if w.text.lower() not in _NAME_LINKS), None)
        if (before is not None and word.text.lower() in _NAME_LINKS
                and before.text[:1].isupper()
                and following is not None and following.text[:1].isupper()):
            current.append(word)
            continue
        if current:
            runs.append(current)
        current = []
    if current:
        runs.append(current)
    return runs


def derive_key_terms(doc: Doc) -> tuple[KeyTerm, ...]:
    """Key terms of a parsed question, in the order it names them."""
    terms: list[KeyTerm] = []
    seen: set[str] = set()
    for run in _runs(_words(doc)):
        while run and run[-1].text.lower() in _NAME_LINKS:
            run = run[:-1]
        # A lowercase adjective alone ("economic") describes; it is not a topic.
        if not run or (len(run) == 1 and run[0].pos == "ADJ" and run[0].text.islower()):
            continue
        term = " ".join(w.text for w in run)
        aliases: list[str] = []
        if len(run) > 1:
            head = run[-1]
            if head.text.lower() in _WEAK_HEADS:
                head = run[-2]
            if len(head.text) >= (3 if head.pos == "PROPN" else 4) and \
                    head.text.lower() not in _NAME_LINKS:
                aliases.append(head.text.lower() if head.text[1:].islower() and
                               head.pos == "NOUN" else head.text)
        if term.lower() not in seen:
            seen.add(term.lower())
            terms.append(KeyTerm(term, tuple(a for a in aliases if a.lower() != term.lower())))
    return tuple(terms)


def with_variants(term: KeyTerm, other_names_too: bool = True) -> KeyTerm:
    """The term with the other spellings of each of its forms as aliases, and (unless told
    not to) its other known names ("the USSR" is also "the Soviet Union")."""
    forms = list(term.forms)
    for form in term.forms:
        names = other_names(form) if other_names_too else ()
        forms += [v for v in (*spelling_variants(form), *names) if v not in forms]
    return KeyTerm(term.term, tuple(forms[1:]))
