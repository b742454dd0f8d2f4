"""Integrity: text that tries to game the grader or is not an essay on the question.

Repeated and stuffed sentences are dropped before scoring (so padding can never add credit);
word salad, gibberish and off-topic essays are flagged for a teacher and capped by the model.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import pairwise

from models.argument.features import sections
from models.document import EssayDoc, Sentence, Token
from models.features.chronology import years_in
from models.features.language_id import written_in
from models.features.lexicon import GENERIC_LEMMAS
from models.features.spelling import RARITY
from models.features.topic import Topic
from models.question import Period
from models.result import and_joined

# Word salad is told from English by what follows articles and prepositions ("the of", "in
# was"), by sentences that end and go on in lowercase, and by capitalised function words in
# mid-sentence: shuffled words break all three, real writing (even weak writing) rarely does.
_ARTICLES = frozenset({"the", "a", "an"})
_PREPOSITIONS = frozenset("""
of in to for with on at by from into about
""".split())
_CLOSED_CLASS = frozenset("""
the a an of in to for with on at by from and or but is are was were be been has have had he she
they we i it you him her them us me not this that these those will would can could should may
might must do does did
""".split())
_NOT_AFTER_PREPOSITION = frozenset("""
of in to for with on at by from and or but is are was were has have had will would can could
should must
""".split())
_QUOTES = frozenset("\"“‘'")
_SENTENCE_END = frozenset(".!?")
WORD_SALAD_SCORE = 0.35
WORD_SALAD_MIN_WORDS = 30
GIBBERISH_SHARE = 0.4
# An essay is off topic when little of what it is about (its content words weighted by how
# rare they are in English, so "people" and "think" count for nothing) is what the question
# asks about, or when none of its five main words is; and when it does not keep returning to
# the question's key terms either (a short question names few words, so its essays' words
# are mostly their own: an essay on the New Deal says "Roosevelt" and "relief" more than
# "New Deal", but it says "New Deal" and "Depression" in sentence after sentence).
# Measured on real essays swapped between two prompts (bench/gaming.py) and on history
# essays graded against each other's questions (tests/test_questions.py).
OFF_TOPIC_SHARE = 0.06
OFF_TOPIC_SHARE_WITHOUT_MAIN_WORD = 0.10
MAIN_WORDS = 5
TERM_SENTENCE_SHARE = 0.15  # of the essay's own sentences, using a key term of the question
STEM = 5  # letters of a word that make its family, for matching an essay's words to a question's
# An essay covers its question when it uses half of the question's own words, each repeatedly.
COVERED_USES = 2
COVERED_SHARE = 0.5
# A paragraph of this many words or more is judged on its own too: one about another question
# in an essay on this one (another essay's paragraphs appended for length) is not scored.
PART_MIN_WORDS = 40
# ... when the word families it shares with the rest of the essay are under this share of the
# smaller side's (measured: a history essay's background paragraphs share 0.27-0.32 of theirs,
# another prompt's essay appended to an ASAP essay 0.01-0.16).
PART_SHARED = 0.2
# Years say when an essay is set. Judged on the whole essay (a paragraph of background may
# well lie before the period), against a period of more than one year (a question naming one
# year, "the Treaty of Versailles (1919)", asks about what followed it too), with three years
# at least, each counting as the period's within YEARS_NEAR of it:
# - an essay whose years all lie outside the period is about another time: sharing the
#   question's names ("Stalin", "the Soviet Union") does not make an essay on the Cold War an
#   answer to a question on the Five-Year Plans; it answers the question only if it is about
#   its words twice as much as the share that clears any other essay (measured on
#   tests/essays/questions: essays crossed onto other questions' periods share 0.096 at most);
# - an essay most of whose years lie within it, and that names the question's key terms in
#   two sentences at least, is of its time: a question's few words ("relations", "the USA",
#   "the USSR") are not what its answer is about (Truman, Yalta, the Marshall Plan, Berlin).
OTHER_TIME_MIN_YEARS = 3
YEARS_NEAR = 2
OTHER_TIME_SHARE = 2 * OFF_TOPIC_SHARE
OWN_TIME_SHARE = 2 / 3  # of the essay's years, within the period
OWN_TIME_TERM_SENTENCES = 2
REPEAT_MIN_WORDS = 4
TERM_LIST_MIN = 3  # key terms listed bare, one after another, that make a stuffed list


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    sentences: tuple[int, ...] = ()
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class IntegrityReport:
    flags: tuple[Flag, ...]
    drop: frozenset[int]  # sentences left out of scoring (repeats, stuffing, another question)
    word_salad_score: float
    topic_share: float
    question_share: float = 1.0  # rarity-weighted share of content on the question's words
    question_main_words: int = MAIN_WORDS  # of the essay's 5 main words, on the question

    def has(self, code: str) -> bool:
        return any(f.code == code for f in self.flags)


def word_salad_score(tokens: list[Token]) -> float:
    """0 for ordinary English, about 0.75 for shuffled words; the threshold is 0.35."""
    glue = glue_errors = ends = lower_after_end = capital_function = 0
    for previous, token in pairwise(tokens):
        if previous.lower in _ARTICLES:
            glue += 1
            glue_errors += token.lower in _CLOSED_CLASS or (
                token.pos == "PUNCT" and token.text not in _QUOTES)
        elif previous.lower in _PREPOSITIONS:
            glue += 1
            glue_errors += token.lower in _NOT_AFTER_PREPOSITION
        if previous.text in _SENTENCE_END:
            ends += 1
            lower_after_end += token.text[:1].islower()
        elif token.text[:1].isupper() and token.lower in _CLOSED_CLASS and token.text != "I" \
                and previous.text not in ":;\"“”":
            capital_function += 1
    return (glue_errors / max(glue, 1) + 0.5 * lower_after_end / max(ends, 1)
            + 3.0 * capital_function / max(len(tokens), 1))


def _key_term_share(sentence: Sentence, topic: Topic) -> float:
    terms = topic.key_term_lemmas
    hits = sum(1 for word, lemma in zip(sentence.words, sentence.lemmas, strict=True)
               if lemma in terms or word in terms)
    return hits / max(sentence.n_words, 1)


def is_stuffed(sentence: Sentence, topic: Topic) -> bool:
    """A sentence made mostly of key terms, or repeating one term, exists to be counted."""
    share = _key_term_share(sentence, topic)
    if share < 0.2:  # every test below needs a fifth of the words to be key terms
        return False
    occurrences = topic.term_occurrences(sentence)
    if occurrences >= 3 and share >= 0.4:
        return True
    if occurrences >= 2 and share >= 0.3 and not sentence.has_finite_verb:
        return True
    per_term = max((sentence.lemmas.count(lemma) for lemma in set(sentence.lemmas)
                    if lemma in topic.key_term_lemmas), default=0)
    return per_term >= 3 and share >= 0.2


def _padding_leftovers(essay: EssayDoc, repeats: set[int]) -> list[int]:
    """Sentences of paragraphs that are mostly copies of earlier text.

    Short sentences are never counted as repeats, so a pasted block of copies would otherwise
    leave a paragraph of leftovers behind, and that extra paragraph alone can change how the
    essay's introduction and structure are read. Such a paragraph is padding as a whole.
    """
    leftovers = []
    for paragraph in essay.paragraphs:
        sentences = essay.paragraph_sentences(paragraph)
        words = sum(s.n_words for s in sentences)
        copied = sum(s.n_words for s in sentences if s.index in repeats)
        if words and copied >= 0.5 * words:
            leftovers.extend(s.index for s in sentences if s.index not in repeats)
    return leftovers


def check_integrity(essay: EssayDoc, topic: Topic, min_words: int,
                    unknown_share: float) -> IntegrityReport:
    flags: list[Flag] = []
    seen: dict[str, int] = {}
    repeats: list[int] = []
    for sentence in essay.sentences:
        if sentence.n_words < REPEAT_MIN_WORDS:
            continue
        if sentence.fingerprint in seen:
            repeats.append(sentence.index)
        else:
            seen[sentence.fingerprint] = sentence.index
    # Counted as the essay's own length is (models/text.py): as a person counts words.
    repeated_words = sum(essay.sentence(i).written_words for i in repeats)
    if repeats and (repeated_words >= 0.05 * essay.word_count or len(repeats) >= 2):
        flags.append(Flag(
            "repeated_text",
            f"{len(repeats)} sentence(s) ({repeated_words} words) repeat earlier ones word for "
            "word; the repeats were not scored.",
            tuple(repeats), {"repeated_words": repeated_words}))

    padding = _padding_leftovers(essay, set(repeats))
    stuffed = [s.index for s in essay.sentences if s.index not in repeats and is_stuffed(s, topic)]
    if stuffed:
        flags.append(Flag(
            "keyword_stuffing",
            f"{len(stuffed)} sentence(s) consist mostly of the rubric's key terms; they were not "
            "scored.", tuple(stuffed)))

    tokens = [t for s in essay.sentences for t in s.tokens]
    salad = word_salad_score(tokens)
    if salad >= WORD_SALAD_SCORE and essay.word_count >= WORD_SALAD_MIN_WORDS:
        worst = sorted((word_salad_score(list(s.tokens)), s.index) for s in essay.sentences)
        flags.append(Flag(
            "word_salad",
            "Much of the text is not grammatical English (words in an order sentences do not "
            "take); it cannot be assessed as an essay.",
            tuple(sorted(i for _, i in worst[-3:])), {"word_salad_score": round(salad, 4)}))
    if unknown_share >= GIBBERISH_SHARE:
        language = written_in(essay)
        flags.append(Flag(
            "gibberish",
            f"The essay seems to be written in {language}. Grader reads essays in English "
            "only, so it could not be assessed." if language else
            f"{unknown_share:.0%} of the ordinary words are not English words.",
            tuple(s.index for s in essay.sentences[:2]),
            {"unknown_share": unknown_share, "language": language}))

    # Judged on the student's own sentences: copies of a stuffed line must not make it on topic.
    copied = {*repeats, *stuffed, *padding}
    content = [lemma for s in essay.sentences if s.index not in copied
               for lemma in _content_lemmas(s)]
    # Key terms count once each: repeating them must not make an essay look on topic.
    key_hits = {lemma for lemma in content if lemma in topic.key_term_lemmas}
    other_hits = sum(1 for lemma in content
                     if lemma in topic.vocabulary and lemma not in topic.key_term_lemmas)
    topic_share = (other_hits + len(key_hits)) / max(len(content), 1)
    question_share, main_words = question_focus(content, topic.question_lemmas)
    own = [s for s in essay.sentences if s.index not in copied]
    elsewhere: list[int] = []
    if _off_question(content, own, topic, topic.period) and not (
            frames_with_terms(essay, topic, copied)
            and not of_another_time(own, topic.period, one_year_too=True)):
        years = _years(own) if of_another_time(own, topic.period) else []
        # The years say why, and show a teacher a period set by mistake.
        when = (f" Its years ({_listed(years)}) all lie outside the question's period "
                f"({topic.period})." if years else "")
        flags.append(Flag(
            "off_topic",
            "Little of what the essay is about is what the question asks about (its main words "
            f"are not the question's or its key terms'); it may answer a different question.{when}",
            tuple(s.index for s in essay.sentences[:1]),
            {"topic_share": round(topic_share, 4), "question_share": round(question_share, 4),
             **({"years": years} if years else {})}))
    else:
        elsewhere = _paragraphs_elsewhere(essay, topic, copied)
    if elsewhere:
        numbers = ", ".join(str(p + 1) for p in dict.fromkeys(
            essay.sentence(i).paragraph for i in elsewhere))
        flags.append(Flag(
            "off_topic_part",
            f"Paragraph {numbers} seems to be about something other than the question (its "
            "main words are not the question's or its key terms'); it was not scored.",
            tuple(elsewhere)))
    drop = frozenset(repeats) | frozenset(stuffed) | frozenset(padding) | frozenset(elsewhere)
    # Length is judged without repeats, stuffing and padding: copies must not lift the cap.
    own_words = essay.word_count - sum(essay.sentence(i).written_words for i in drop)
    if own_words < min_words:
        counted = (f"{own_words} words of its own" if drop else f"{essay.word_count} words")
        flags.append(Flag(
            "too_short",
            f"The essay has {counted}; this rubric expects at least {min_words}.",
            tuple(s.index for s in essay.sentences[:1]), {"words": own_words}))
    return IntegrityReport(tuple(flags), drop, round(salad, 4), round(topic_share, 4),
                           round(question_share, 4), main_words)


def _off_question(content: list[str], sentences: list[Sentence], topic: Topic,
                  period: Period | None = None) -> bool:
    """Whether text with these content lemmas and sentences is about another question: little
    of its weight on the question's words, and it neither keeps to the key terms nor covers
    the question's words nor is of the question's time; or it is about another time and not
    strongly about the question's words. Without ``period`` (a part of an essay) its years
    are not read."""
    question_share, main_words = question_focus(content, topic.question_lemmas)
    if of_another_time(sentences, period):
        return question_share < OTHER_TIME_SHARE
    if question_share >= OFF_TOPIC_SHARE and (
            main_words > 0 or question_share >= OFF_TOPIC_SHARE_WITHOUT_MAIN_WORD):
        return False
    if of_its_time(sentences, period) and sum(
            bool(topic.terms_in(s)) for s in sentences) >= OWN_TIME_TERM_SENTENCES:
        return False
    return not keeps_to_terms(sentences, topic) and not covers_question(content, topic)


def _judged_years(sentences: list[Sentence], period: Period | None,
                  one_year_too: bool = False) -> list[int]:
    """The text's years, when there are enough to say when it is set and a period of more
    than one year (or ``one_year_too``, of any length) to set them against; else none."""
    if period is None or (period.start == period.end and not one_year_too):
        return []
    years = _years(sentences)
    return years if len(years) >= OTHER_TIME_MIN_YEARS else []


def of_another_time(sentences: list[Sentence], period: Period | None,
                    one_year_too: bool = False) -> bool:
    """Whether the text names OTHER_TIME_MIN_YEARS years or more, none of them within
    YEARS_NEAR years of a period of more than one year (or ``one_year_too``, of any length:
    an essay framed by a question's terms is read against its one year too)."""
    years = _judged_years(sentences, period, one_year_too)
    return bool(years) and min(period.distance(year) for year in years) > YEARS_NEAR


def of_its_time(sentences: list[Sentence], period: Period | None) -> bool:
    """Whether the text names OTHER_TIME_MIN_YEARS years or more, at least OWN_TIME_SHARE of
    them within YEARS_NEAR years of a period of more than one year."""
    years = _judged_years(sentences, period)
    return bool(years) and sum(period.distance(year) <= YEARS_NEAR for year in years) \
        >= OWN_TIME_SHARE * len(years)


def _years(sentences: list[Sentence]) -> list[int]:
    """The years the text is about: not the dates of works it cites."""
    return sorted({year for sentence in sentences for year, written in years_in(sentence)
                   if not _cited(sentence, written)})


def _cited(sentence: Sentence, written: str) -> bool:
    """Whether the year is a work's date in brackets after a name ("Conquest (1968) stressed
    the terror"), which says when a historian wrote, not when the essay is set."""
    tokens = sentence.tokens
    return any(tokens[k].text == written and tokens[k - 1].text == "(" and
               tokens[k + 1].text == ")" and tokens[k - 2].pos == "PROPN"
               for k in range(2, len(tokens) - 1))


def _listed(years: list[int]) -> str:
    """"1945, 1947 and 1949"; the first four and how many more of a long list."""
    shown = [str(Period(year, year)) for year in years[:4]]
    return and_joined(shown + ([f"{len(years) - 4} more"] if len(years) > 4 else []))


def _paragraphs_elsewhere(essay: EssayDoc, topic: Topic, copied: set[int]) -> list[int]:
    """Sentences of the paragraphs that are about another question, in an essay that as a
    whole is on this one: a run of consecutive paragraphs (PART_MIN_WORDS or more) that opens
    or closes the essay, whose words are not the question's (each judged as a whole essay is)
    and that shares little of its vocabulary with the rest of the essay (background paragraphs
    share the essay's names; another essay's paragraphs do not). None when that would leave no
    long paragraph (the essay as a whole is then the question, not a part of it)."""
    if not topic.question_lemmas or len(essay.paragraphs) < 2:
        return []
    own = {p.index: [s for s in essay.paragraph_sentences(p) if s.index not in copied]
           for p in essay.paragraphs}
    lemmas = {n: [lemma for s in sentences for lemma in _content_lemmas(s)]
              for n, sentences in own.items()}
    families = {n: {stem(lemma) for lemma in found} for n, found in lemmas.items()}
    off = [bool(own[n]) and _off_question(lemmas[n], own[n], topic) for n in sorted(own)]
    runs, run = [], []
    for n, is_off in enumerate(off):
        if is_off:
            run.append(n)
        elif run:
            runs.append(run)
            run = []
    runs += [run] if run else []
    # Only at the essay's start or end: text added to an essay goes before or after it, while
    # a genuine essay's middle paragraphs may well name none of the question's words (a
    # paragraph on Stresemann in an essay on why the Weimar Republic collapsed).
    last = max(own)
    runs = [run for run in runs if run[0] == 0 or run[-1] == last]
    found: set[int] = set()
    for run in runs:
        words = sum(s.n_words for n in run for s in own[n])
        inside = set().union(*(families[n] for n in run))
        outside = set().union(*(families[n] for n in own if n not in run))
        # Shared, as a share of the smaller side: a short conclusion that takes up the
        # essay's words shares most of its own with the rest, however long the rest is.
        smaller = max(1, min(len(inside), len(outside)))
        if words >= PART_MIN_WORDS and len(inside & outside) < PART_SHARED * smaller:
            found.update(run)
    long = [n for n, sentences in own.items()
            if sum(s.n_words for s in sentences) >= PART_MIN_WORDS]
    if set(long) <= found:
        return []
    return sorted(s.index for n in found for s in own[n])


def frames_with_terms(essay: EssayDoc, topic: Topic, copied: set[int]) -> bool:
    """Whether the essay sets out to answer the question, however much its body says in its
    own words ("Why did the Berlin Wall fall?" is answered with Gorbachev, Honecker and the
    Leipzig crowds, the Wall named in the opening and closing sentences only; the caller still
    finds an essay of another time off topic, the question's one year included).

    That is, whether its introduction and its conclusion (as the argument reads an essay's
    parts: an essay written as one block has them too) each name a key term of the question,
    and together either every name among them ("Why was the first day of the Somme a
    disaster?" is answered without the word "disaster") or as many of them as
    ``keeps_to_terms`` asks for. The class's shared words do not count."""
    advisable = set(topic.advisable_terms)
    parts = sections(essay)
    if not advisable or len(parts) < 3 or parts[0].place != "intro" \
            or parts[-1].place != "conclusion":
        return False
    named = [advisable & set().union(*(topic.terms_in(essay.sentence(i))
                                       for i in part.sentences if i not in copied))
             for part in (parts[0], parts[-1])]
    together = named[0] | named[1]
    names = {term for term in advisable if term[:1].isupper()}
    return all(named) and ((bool(names) and names <= together)
                           or len(together) >= _terms_needed(advisable))


def _terms_needed(advisable: set[str]) -> int:
    """Distinct key terms an essay keeping to them uses: all of them, at most two needed (or
    three of a long list)."""
    return min(len(advisable), max(2, math.ceil(len(advisable) / 2)), 3)


def keeps_to_terms(sentences: list[Sentence], topic: Topic) -> bool:
    """Whether the essay keeps returning to the question's key terms: it uses all of them (at
    most two needed, or three of a long list) in at least TERM_SENTENCE_SHARE of its sentences
    (and two at least). The class's shared words do not count: they are what it wrote."""
    advisable = set(topic.advisable_terms)
    if not advisable or not sentences:
        return False
    needed = _terms_needed(advisable)
    used: set[str] = set()
    hits = 0
    for sentence in sentences:
        found = advisable.intersection(topic.terms_in(sentence))
        used |= found
        hits += bool(found)
    return len(used) >= needed and hits >= max(2, TERM_SENTENCE_SHARE * len(sentences))


def stem(lemma: str) -> str:
    """A word's family: "compete", "competition" and "competitive" meet at "compe"."""
    return lemma[:STEM]


def question_focus(content: list[str], question: frozenset[str]) -> tuple[float, int]:
    """(share of the content's rarity weight on the question's lemmas, how many of the five
    most weighty lemmas are the question's); (1.0, 5) when the question names nothing to check.
    Lemmas match exactly: matched by family, an essay on America would answer a question on
    the American colonies."""
    if not question:
        return 1.0, MAIN_WORDS
    weight: Counter[str] = Counter()
    for lemma in content:
        weight[lemma] += RARITY[lemma]
    total = sum(weight.values())
    if total <= 0:
        return 0.0, 0
    share = sum(w for lemma, w in weight.items() if lemma in question) / total
    main = [lemma for lemma, w in weight.most_common(MAIN_WORDS) if w > 0]
    return share, sum(lemma in question for lemma in main)


def covers_question(content: list[str], topic: Topic) -> bool:
    """Whether the essay takes up most of the question's own words, again and again: a short
    question in everyday words ("Do married women usually work?") gives a rarity-weighted
    share little to go on, but an essay answering it says "women" and "work" throughout."""
    asked = {stem(lemma) for lemma in topic.prompt_lemmas}
    if not asked:
        return False
    used = Counter(stem(lemma) for lemma in content)
    covered = sum(used[family] >= COVERED_USES for family in asked)
    # Half of the question's words, and two of them when it has two: "revolution" alone does
    # not answer a question on the Russian Revolution.
    return covered >= max(math.ceil(COVERED_SHARE * len(asked)), min(2, len(asked)))


def _content_lemmas(sentence: Sentence) -> tuple[str, ...]:
    """The lemmas of the sentence's nouns, names, verbs and adjectives of three letters or more
    that are not everyday words, in order (kept: the topic and each paragraph read them)."""
    found = sentence.memo.get("integrity_content_lemmas")
    if found is None:
        found = sentence.memo["integrity_content_lemmas"] = tuple(
            t.lemma for t in sentence.tokens
            if t.is_alpha and not t.is_stop and len(t.text) > 2
            and t.lemma not in GENERIC_LEMMAS and t.pos in _TOPICAL_POS)
    return found


_TOPICAL_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ"})


def without_term_lists(sentence: Sentence, topic: Topic) -> Sentence:
    """The sentence without any bare list of key terms ("…much easier" Computers, time,
    everyone, agrees, benefits."): such a list run on from a real sentence is stuffing the
    sentence-by-sentence check cannot see, and must not count as using the terms."""
    tokens = sentence.tokens
    terms = topic.key_term_lemmas
    # A list needs TERM_LIST_MIN key terms at least: most sentences hold fewer (most, none).
    if (terms.isdisjoint(sentence.token_lowers) and terms.isdisjoint(sentence.token_lemmas)) \
            or sum(t.lower in terms or t.lemma in terms for t in tokens) < TERM_LIST_MIN:
        return sentence
    segments: list[tuple[int, int]] = []  # [start, end) of each comma-separated segment
    start = 0
    for k, token in enumerate([*tokens, None]):
        if token is None or token.text in {",", ";", "."} or token.lower in {"and", "or"}:
            segments.append((start, k))
            start = k + 1
    listed: set[int] = set()
    run: list[tuple[int, int]] = []
    for segment in [*segments, (0, 0)]:
        words = [tokens[k] for k in range(*segment) if tokens[k].pos not in {"PUNCT", "DET"}]
        if words and len(words) <= 3 and all(
                t.lower in topic.key_term_lemmas or t.lemma in topic.key_term_lemmas
                for t in words):
            run.append(segment)
            continue
        if len(run) >= TERM_LIST_MIN:
            listed.update(k for a, b in run for k in range(a, b))
        run = []
    if not listed:
        return sentence
    return Sentence(sentence.index, sentence.paragraph, sentence.start, sentence.end,
                    sentence.text, tuple(t for k, t in enumerate(tokens) if k not in listed),
                    sentence.truncated, sentence.after_stop)


def without_stuffed_lists(essay: EssayDoc, topic: Topic) -> EssayDoc:
    """The essay with every list of key terms run on into a real sentence taken out of it, so
    no feature (terms used, overlap with the thesis, ...) counts stuffing the sentence-by-
    sentence check could not see."""
    sentences = tuple(without_term_lists(s, topic) for s in essay.sentences)
    if all(a is b for a, b in zip(sentences, essay.sentences, strict=True)):
        return essay
    return replace(essay, sentences=sentences)
