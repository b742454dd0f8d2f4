"""Language and conventions: spelling, sentence construction, variety and readability
(models/features/language.py), with praise only for a sentence beyond doubt."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import ClassVar

from models.criteria.base import Criterion, CriterionContext
from models.criteria.registry import criterion
from models.document import FINITE_TAGS, Sentence
from models.features import spelling
from models.features.evidence import in_quotation
from models.features.language import LanguageFeatures, extract_language
from models.features.lexicon import INFORMAL_PHRASES, phrase_finder
from models.feedback.compose import MAX_IMPROVEMENTS, MAX_STRENGTHS, FeedbackContext
from models.feedback.wording import Wording
from models.result import FeedbackItem
from models.scoring.raw import RawScore, share, weighted

# A sentence praised as well built: long enough to hold several ideas, short enough to follow.
WELL_BUILT_WORDS = (15, 40)
_FINITE_CLAUSES = frozenset({"advcl", "relcl", "ccomp", "csubj"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "expl"})
_NEGATIVES = frozenset({"nothing", "nobody", "none", "never", "no", "nowhere"})
_INFORMAL = phrase_finder(INFORMAL_PHRASES)
# An essay whose language is this error-prone gets no praise for a well-built sentence: in it
# the praise would be doubtful, and none is better than a doubtful one.
PRAISE_MAX_SPELLING_RATE = 2.0  # misspellings per 100 words
MISSPELLINGS_FOR_NO_CREDIT = 4  # per 100 words: no credit for spelling at all
# Readability (a reading grade) in this range suits historical writing; credit falls outside.
READABLE_GRADES = (8, 16)
SENTENCE_LENGTH_SPREAD = 0.45  # of the mean sentence length, for full credit for variety
COMPLEX_SHARE = 0.5  # of sentences with a subordinate clause, for full credit
# Lexical diversity (moving type-token ratio) from no credit to full credit.
DIVERSITY_RANGE = (0.55, 0.80)
WEIGHTS = {"spelling": 0.35, "construction": 0.2, "variety": 0.15, "complexity": 0.1,
           "readability": 0.1, "vocabulary": 0.1}


@criterion("language")
class Language(Criterion):
    capped_by = ("word_salad", "gibberish")
    role_labels: ClassVar[Mapping[str, str]] = {"spelling": "Spelling"}
    # Codes whose next step is general advice on style rather than a fix for the sentence
    # quoted: an essay gets at most one, so the same tip does not crowd out comments on what
    # the student actually wrote.
    generic_tips = frozenset({"language.variety_good", "language.repetitive_openers"})
    wording: ClassVar[Mapping[str, Wording]] = {
        "language.spelling": Wording(
            "In “{quote}”, check the spelling of {words}.",
            "Correct it{suggestions}."),
        "language.long_sentence": Wording(
            "“{quote}” runs to {count} words, which makes it hard to follow.",
            "Split it into two or three sentences, one idea each."),
        "language.fragment": Wording(
            "“{quote}” is not a complete sentence: it has no main verb.",
            "Join it to the sentence before or after, or add the missing verb."),
        "language.repetitive_openers": Wording(
            "{count} sentences begin with “{marker}”, for example “{quote}”.",
            "Vary how your sentences begin: start some with a time phrase, a subordinate "
            "clause or the subject of the action."),
        "language.variety_good": Wording(
            "“{quote}” combines several ideas in one well-built sentence.",
            "Mix sentences like this with short ones to give your key points emphasis."),
        "language.capitalisation": Wording(
            "“{quote}” does not begin with a capital letter.",
            "Begin every sentence with a capital letter."),
    }
    weaknesses: ClassVar[Mapping[str, str]] = {
        "language.spelling": "Spelling",
        "language.long_sentence": "Overlong sentences",
        "language.fragment": "Sentence fragments",
        "language.repetitive_openers": "Sentences that all start the same way",
        "language.capitalisation": "Sentences not starting with a capital",
    }

    def features(self, ctx: CriterionContext) -> LanguageFeatures:
        return extract_language(ctx.scored, ctx.topic)

    def raw(self, language: LanguageFeatures, ctx: CriterionContext) -> RawScore:
        sentences = max(len(ctx.scored.sentences), 1)
        slips = len(language.long_sentences) + len(language.fragments) + len(
            language.lowercase_starts)
        grade = language.readability_grade
        low, high = READABLE_GRADES
        readability = 1.0 if low <= grade <= high else max(0.0, 1 - (low - grade) / 6) \
            if grade < low else max(0.0, 1 - (grade - high) / 8)
        mean = max(language.mean_sentence_words, 1.0)
        least, most = DIVERSITY_RANGE
        components = {
            "spelling": 1.0 - min(1.0, language.spelling_rate / MISSPELLINGS_FOR_NO_CREDIT),
            "construction": 1.0 - min(1.0, 2 * slips / sentences),
            "variety": 0.5 * min(1.0, language.sentence_length_sd
                                 / (SENTENCE_LENGTH_SPREAD * mean))
            + 0.5 * language.opener_variety,
            "complexity": min(1.0, language.complex_share / COMPLEX_SHARE),
            "readability": readability,
            "vocabulary": min(1.0, max(0.0, (language.lexical_diversity - least)
                                       / (most - least))),
        }
        return weighted(WEIGHTS, components)

    def roles(self, language: LanguageFeatures, ctx: CriterionContext
              ) -> Mapping[int, list[str]]:
        return {m.sentence: ["spelling"] for m in language.misspellings}

    def calibration_features(self, language: LanguageFeatures, ctx: CriterionContext
                             ) -> Mapping[str, float]:
        sentences = max(1, len(ctx.scored.sentences))
        return {
            "spelling_rate": language.spelling_rate,
            "mean_sentence_words": language.mean_sentence_words,
            "sentence_length_sd": language.sentence_length_sd,
            "long_sentence_share": share(len(language.long_sentences), sentences),
            "fragment_share": share(len(language.fragments), sentences),
            "lowercase_start_share": share(len(language.lowercase_starts), sentences),
            "opener_variety": language.opener_variety,
            "complex_share": language.complex_share,
            "readability_grade": language.readability_grade,
            "lexical_diversity": language.lexical_diversity,
        }

    def feedback(self, ctx: FeedbackContext) -> list[FeedbackItem]:
        lang = ctx.language
        strengths, improvements = [], []
        quotations = ctx.evidence.quotations
        # Quoted words are not the student's: their spelling is not theirs to correct, and a
        # sentence inside a quotation is not theirs to judge.
        own = {s.index for s in ctx.essay.sentences if ctx.opener(s.index) == s.index}
        by_sentence: dict[int, list] = {}
        for m in lang.misspellings:
            if m.sentence in own and not in_quotation(m.start, quotations):
                by_sentence.setdefault(m.sentence, []).append(m)
        for index, misspelled in list(by_sentence.items())[:2]:
            words = ", ".join(f"“{m.word}”" for m in misspelled)
            found = [spelling.suggestion(m.word.lower()) for m in misspelled]
            suggestions = [f"“{s}”" for s in found if s]
            improvements.append(ctx.item(
                "language.spelling", "improvement", [index], words=words,
                suggestions=(" (perhaps " + ", ".join(suggestions) + ")") if suggestions else ""))
        for index in [i for i in lang.long_sentences if i in own][:1]:
            improvements.append(ctx.item("language.long_sentence", "improvement", [index],
                                         count=ctx.essay.sentence(index).n_words))
        for index in [i for i in lang.fragments if i in own][:1]:
            improvements.append(ctx.item("language.fragment", "improvement", [index]))
        for index in [i for i in lang.lowercase_starts if i in own][:1]:
            improvements.append(ctx.item("language.capitalisation", "improvement", [index]))
        if lang.repeated_opener:
            word, sentences = lang.repeated_opener
            improvements.append(ctx.item("language.repetitive_openers", "improvement",
                                         sentences[:3], marker=word.capitalize(),
                                         count=len(sentences)))
        # Praise only a sentence beyond doubt: none is better than a doubtful one.
        flawed = lang.flawed_sentences
        careful = lang.spelling_rate <= PRAISE_MAX_SPELLING_RATE and len(lang.lowercase_starts) <= 1
        good = next((s for s in ctx.essay.sentences if _well_built(s, ctx, flawed)), None) \
            if careful else None
        if good is not None:
            strengths.append(ctx.item("language.variety_good", "strength", [good.index]))
        return _one_generic_tip(strengths[:MAX_STRENGTHS] + improvements[:MAX_IMPROVEMENTS])


def _run_on(sentence: Sentence) -> bool:
    """Three or more main clauses strung together, two joined by a bare comma ("…it was very
    good, i think"), or two with nothing between them ("I was on the bench I was the worst")."""
    tokens = sentence.spoken_tokens
    clauses = sum(1 for t in tokens if t.dep in {"ROOT", "conj"} and t.tag in FINITE_TAGS)
    splice = any(a.text == "," and b.dep == "nsubj" and b.tag == "PRP"
                 for a, b in pairwise(tokens))
    subjects = [k for k, t in enumerate(tokens) if t.dep in _SUBJECTS]
    fused = any(not any(t.pos in {"PUNCT", "CCONJ", "SCONJ"} or t.dep == "mark"
                        or t.tag in {"WDT", "WP", "WP$", "WRB"}
                        for t in tokens[a + 1:b])
                for a, b in pairwise(subjects) if b - a > 2)
    return clauses >= 3 or splice or fused


def _main_clause(sentence: Sentence) -> bool:
    """Whether the sentence has a main clause of its own: a verb at its root with a subject
    before it, not the verb of a clause that "when" or "because" opens ("One day when we were
    fishing … and it was not going very well.")."""
    tokens = sentence.spoken_tokens
    root = next((k for k, t in enumerate(tokens) if t.dep == "ROOT"), None)
    if root is None or tokens[root].pos not in {"VERB", "AUX"}:
        return False
    if not any(t.dep in _SUBJECTS | {"csubj"} for t in tokens[:root]):
        return False
    return all(any(t.text == "," for t in tokens[k:root]) for k in range(root)
               if tokens[k].dep == "mark" or tokens[k].tag == "WRB")


def _well_built(sentence: Sentence, ctx: FeedbackContext, flawed: frozenset[int]) -> bool:
    """Whether a sentence deserves praise as well built: no slip of any kind (spelling,
    capitals, a lowercase "i", a run-on, informal wording), none of it quoted or anonymised,
    a statement with a main clause of its own, and genuinely complex (a finite subordinate
    clause, at a readable length)."""
    mark = ctx.evidence.sentences.get(sentence.index)
    low, high = WELL_BUILT_WORDS
    text = sentence.text.rstrip("”\"’' ")
    return (not sentence.truncated and sentence.index not in flawed
            and low <= sentence.n_words <= high
            and sentence.text[:1].isupper() and text.endswith(".") and "@" not in text
            and (mark is None or (mark.part_of is None and "quotation" not in mark.kinds))
            and any(t.dep in _FINITE_CLAUSES for t in sentence.tokens)
            and not any(t.text == "i" for t in sentence.tokens)
            and not _double_negative(sentence)
            and not _INFORMAL.search(sentence.lower_text)
            and not _run_on(sentence) and _main_clause(sentence))


def _double_negative(sentence: Sentence) -> bool:
    """ "I didn't say nothing": a negated verb followed by another negative."""
    words = [t.lower for t in sentence.tokens]
    negated = [k for k, w in enumerate(words) if w in {"n't", "not"}]
    return bool(negated) and any(w in _NEGATIVES for w in words[negated[0] + 1:])


def _one_generic_tip(items: list[FeedbackItem]) -> list[FeedbackItem]:
    """At most one item whose next step is general advice; one that answers a problem found
    in the essay (improvements come after strengths, so they are tried first) is kept."""
    generic = [item for item in items if item.code in Language.generic_tips]
    if len(generic) <= 1:
        return items
    keep = next((i for i in generic if i.kind == "improvement"), generic[0])
    return [item for item in items if item.code not in Language.generic_tips or item is keep]
