"""Gaming must not pay: padding, stuffing, shuffling, word salad, off-topic and short essays."""

import random
import re

import pytest

from models.text import ELISION_PATTERN
from tests.conftest import STALIN

SCORED = ("strong", "exemplar")
KEY_TERMS = ["Stalin", "industrialisation", "Five-Year Plan", "collectivisation", "kulaks",
             "Gosplan", "famine", "purges", "Lenin", "Stakhanovite"]


def sentences_of(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?”])\s+", text.strip()) if s]


def assert_not_raised(before, after):
    for b, a in zip(before.criteria, after.criteria, strict=True):
        assert a.level <= b.level, (a.id, b.level, a.level)
        assert a.score <= b.score + 1e-9, (a.id, b.score, a.score)
    assert after.overall_score <= before.overall_score


@pytest.mark.parametrize("name", SCORED)
def test_padding_with_copies_of_own_paragraphs_does_not_raise_any_score(grade, essays, name):
    text = essays[name]
    before = grade(text)
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    padded = text.rstrip() + "\n\n" + "\n\n".join(paragraphs[1:] + paragraphs[:1])
    after = grade(padded)
    assert_not_raised(before, after)
    assert "repeated_text" in after.flag_codes


@pytest.mark.parametrize("name", SCORED)
def test_padding_with_own_sentences_to_double_length_does_not_raise(grade, essays, name):
    text = essays[name]
    before = grade(text)
    sentences = sentences_of(text)
    rng = random.Random(7)
    extra = [rng.choice(sentences) for _ in range(len(sentences))]
    after = grade(text.rstrip() + " " + " ".join(extra))
    assert_not_raised(before, after)
    assert "repeated_text" in after.flag_codes


@pytest.mark.parametrize("name", SCORED)
def test_appending_a_block_of_key_terms_does_not_raise_and_is_flagged(grade, essays, name):
    text = essays[name]
    before = grade(text)
    stuffed = text.rstrip() + "\n\n" + " ".join(KEY_TERMS * 2) + "."
    after = grade(stuffed)
    assert_not_raised(before, after)
    assert "keyword_stuffing" in after.flag_codes


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", SCORED)
def test_sprinkling_key_terms_ten_times_does_not_raise_levels(grade, essays, name, seed):
    text = essays[name]
    before = grade(text)
    words = text.split(" ")
    rng = random.Random(seed)
    for term in KEY_TERMS:
        words.insert(rng.randrange(1, len(words)), term)
    after = grade(" ".join(words))
    for b, a in zip(before.criteria, after.criteria, strict=True):
        assert a.level <= b.level, (a.id, b.level, a.level)
    assert after.overall_score <= before.overall_score


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("name", SCORED)
def test_shuffling_sentences_lowers_structure(grade, essays, name, seed):
    text = essays[name]
    before = grade(text).criterion("structure")
    # An excerpt's elision marker is no sentence: it stays where it is.
    chunks = [p for p in text.split("\n\n") if p.strip()]
    markers = [ELISION_PATTERN.match(p.strip()) for p in chunks]
    paragraphs = [sentences_of(p.strip()[m.end():] if m else p) for p, m in zip(chunks, markers,
                                                                               strict=True)]
    flat = [s for p in paragraphs for s in p]
    random.Random(seed).shuffle(flat)
    # Keep the essay's paragraph sizes, so only the order of sentences changes.
    rebuilt, position = [], 0
    for p, m in zip(paragraphs, markers, strict=True):
        rebuilt.append((m.group(0) + " " if m else "") + " ".join(flat[position:position + len(p)]))
        position += len(p)
    after = grade("\n\n".join(rebuilt)).criterion("structure")
    assert after.score < before.score
    assert after.level <= before.level


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("name", SCORED)
def test_word_salad_gets_the_lowest_level_everywhere(grade, rubric, essays, name, seed):
    words = essays[name].split()
    random.Random(seed).shuffle(words)
    result = grade(" ".join(words))
    assert "word_salad" in result.flag_codes
    assert set(result.levels.values()) == {rubric.min_level}
    assert result.overall_level == rubric.min_level


def test_gibberish_gets_the_lowest_level_everywhere(grade, rubric):
    rng = random.Random(3)
    words = ["".join(rng.choice("bcdfghjklmnpqrstvwxz") + rng.choice("aeiou")
                     for _ in range(rng.randint(2, 4))) for _ in range(200)]
    text = ". ".join(" ".join(words[i:i + 10]).capitalize() for i in range(0, 200, 10)) + "."
    result = grade(text)
    assert "gibberish" in result.flag_codes
    assert set(result.levels.values()) == {rubric.min_level}


def test_off_topic_essay_is_flagged_and_scores_low(grade, rubric, essays):
    result = grade(essays["off_topic"])
    assert "off_topic" in result.flag_codes
    assert result.criterion("thesis").level == rubric.min_level
    assert result.criterion("evidence").level == rubric.min_level
    assert result.overall_level == rubric.min_level


def test_off_topic_essay_stuffed_with_key_terms_is_still_off_topic(grade, essays):
    text = essays["off_topic"].rstrip() + "\n\n" + " ".join(KEY_TERMS) + "."
    assert "off_topic" in grade(text).flag_codes


@pytest.mark.parametrize("name", ["strong", "exemplar", "narrative", "opinion"])
def test_on_topic_essays_are_not_flagged_off_topic_or_salad(grade, essays, name):
    codes = grade(essays[name]).flag_codes
    assert "off_topic" not in codes
    assert "word_salad" not in codes
    assert "gibberish" not in codes


def test_too_short_essay_is_flagged_and_capped(grade, rubric):
    text = ("Stalin's industrialisation was largely successful because the Five-Year Plans "
            "quadrupled steel output between 1928 and 1937, although millions of peasants died "
            "in the famine of 1932.")
    result = grade(text)
    assert "too_short" in result.flag_codes
    assert max(result.levels.values()) <= rubric.min_level + 1


def test_a_pasted_paragraph_of_copies_with_short_leftovers_changes_nothing(grade, essays):
    import re

    for name in ("narrative", "opinion", "strong"):
        block = " ".join(essays[name].split())  # one paragraph, as many real essays are
        copies = re.split(r"(?<=[.!?])\s+", block)
        padded = block + "\n\n" + " ".join([*copies, "Yes.", "It was."])
        before, after = grade(block), grade(padded)
        assert "repeated_text" in after.flag_codes
        for criterion in before.criteria:
            assert after.criterion(criterion.id).level <= criterion.level, (name, criterion.id)
        assert after.overall_score <= before.overall_score


def test_an_essay_of_nothing_but_key_terms_gets_the_lowest_levels(grade, rubric):
    # Every sentence is stuffing, so nothing of the student's is left to score.
    terms = [k.term for k in STALIN.key_terms]
    text = " ".join((", ".join(terms[i:i + 4]) + ".").capitalize()
                    for i in range(0, min(len(terms), 24) - 3, 2))
    result = grade(text)
    assert {"keyword_stuffing", "too_short"} <= set(result.flag_codes)
    assert set(result.levels.values()) == {rubric.min_level}


def test_an_unclosed_quotation_mark_does_not_pair_with_a_padded_copy(grade):
    # One stray quotation mark: a copy of its sentence appended as padding must not close it
    # and turn everything between into quoted evidence.
    text = ("Computers help people because they let us talk to friends who live far away. "
            "My mom says \"computers are the best thing ever. She uses email every day to "
            "write to her sister. I think that computers also help students learn about the "
            "world, like other countries and animals. Some people spend too much time online "
            "and do not exercise, but that is their own choice. So computers have a good "
            "effect on people and the newspaper should say so.")
    sentences = sentences_of(text)
    padded = text + "\n\n" + " ".join(sentences[1:] + sentences[:1])
    before, after = grade(text), grade(padded)
    assert_not_raised(before, after)
    assert "repeated_text" in after.flag_codes


def test_copies_of_a_stuffed_line_do_not_make_an_off_topic_essay_on_topic(grade, essays):
    text = essays["off_topic"]
    line = "Stalin, industrialisation, Five-Year Plan, collectivisation, kulaks, Gosplan."
    stuffed = text.rstrip() + "\n\n" + " ".join([line] * 10)
    result = grade(stuffed)
    assert "off_topic" in result.flag_codes
    assert result.overall_level == 1


@pytest.mark.parametrize("name", SCORED)
def test_appending_an_essay_on_another_question_adds_nothing_and_is_flagged(grade, essays,
                                                                            name):
    before = grade(essays[name])
    after = grade(essays[name].rstrip() + "\n\n" + essays["off_topic"].strip())
    assert "off_topic_part" in after.flag_codes and "off_topic" not in after.flag_codes
    assert_not_raised(before, after)
    flag = next(f for f in after.flags if f.code == "off_topic_part")
    assert flag.sentences and all(s.start >= len(essays[name].rstrip()) for s in flag.sentences)
    marked = {s.index for s in after.sentences if "not_scored" in s.roles}
    assert {s.index for s in flag.sentences} <= marked


def test_an_essay_of_several_paragraphs_on_the_question_loses_none(grade, essays):
    for name in ("strong", "exemplar", "narrative"):
        assert "off_topic_part" not in grade(essays[name]).flag_codes


def test_middle_paragraphs_that_name_no_key_term_are_still_scored(engine):
    """A Weimar essay whose paragraphs on Stresemann and the Crash name none of the teacher's
    key terms: they are the essay's own argument, not another essay's (found in use)."""
    from models.question import Question
    from tests.conftest import QUESTIONS

    text = (QUESTIONS / "weimar-strong.txt").read_text(encoding="utf-8")
    question = Question.build(
        "Why did the Weimar Republic collapse by 1933?", period="1919-1933",
        key_terms=["Weimar Republic", "Depression", "Hitler", "Treaty of Versailles",
                   "Article 48"])
    result = engine.grade(text, question=question)
    assert not {"off_topic_part", "off_topic", "too_short"} & set(result.flag_codes)
    assert not any("not_scored" in s.roles for s in result.sentences)


def test_a_thesis_is_credited_with_the_essays_best_claim_wherever_it_stands():
    """Shuffling real essays raised the thesis for one in five: a weak sentence in the opening
    counted in full, and the essay's clear claim elsewhere not at all, until a shuffle moved
    the weak one out. Now an essay without a clear thesis in its introduction is credited with
    its best claim wherever it stands, at the late rate, so moving sentences can raise the
    thesis only by bringing a clear claim to the opening."""
    from models.criteria.thesis import LATE_PLACEMENT, Thesis
    from models.features.thesis import THESIS_THRESHOLD, ThesisCandidate, ThesisFeatures

    def candidate(index: int, score: float) -> ThesisCandidate:
        return ThesisCandidate(index, score, 0.5, 0.5, 0.5, 0.5, 1.0, False, False)

    def raw(opening: float, anywhere: float | None, found: bool = True) -> float:
        features = ThesisFeatures(0 if found else None, found, candidate(0, opening), None,
                                  (0, 1), anywhere=candidate(5, anywhere) if anywhere else None)
        return Thesis().raw(features, None).value

    weak, clear = THESIS_THRESHOLD - 0.1, 0.85
    assert raw(weak, clear) == pytest.approx(clear * LATE_PLACEMENT)  # its best claim counts
    assert raw(weak, weak) == pytest.approx(weak * LATE_PLACEMENT)  # a weak one is not "placed"
    assert raw(clear, None) == pytest.approx(clear)  # a clear thesis where it belongs
    # Without a thesis found, the opening's best sentence is not what counts: the best anywhere.
    assert raw(clear, weak, found=False) == pytest.approx(weak * LATE_PLACEMENT)
    late_thesis = ThesisFeatures(5, False, candidate(0, weak), candidate(5, clear), (0, 1),
                                 anywhere=candidate(5, clear))
    assert raw(weak, clear) == Thesis().raw(late_thesis, None).value  # shuffled, the same


def test_a_thesis_outside_the_introduction_stays_below_the_levels_that_place_it_there(
        grade, rubric, essays):
    """A weak Cold War essay whose claim came only later reached thesis level 3, "A clear,
    arguable claim in the introduction": the upper descriptors put the claim there, so where
    no sentence of the introduction is a clear claim, the level stops at the scale's middle,
    and says why."""
    from models.scoring.caps import THESIS_OUTSIDE_INTRODUCTION, ceiling_level

    paragraphs = essays["strong"].split("\n\n")
    thesis = "Although " + paragraphs[0].split(". Although ")[1]
    placed = grade(essays["strong"])
    assert placed.criterion("thesis").capped_by is None
    assert placed.criterion("thesis").level > ceiling_level(rubric.min_level, rubric.max_level)

    background = "Stalin became the leader of the Soviet Union after Lenin died in 1924."
    moved = "\n\n".join([background, *paragraphs[1:-1], thesis + " " + paragraphs[-1]])
    late = grade(moved).criterion("thesis")
    assert late.level == ceiling_level(rubric.min_level, rubric.max_level) == 2
    assert late.capped_by == THESIS_OUTSIDE_INTRODUCTION
    assert "introduction does not state a clear claim" in late.cap_reason
    assert late.uncapped_score > late.level  # the claim itself is still read as clear


def test_an_essay_of_one_block_has_no_introduction_to_place_a_thesis_in(grade, rubric, essays):
    from models.scoring.caps import NO_INTRODUCTION, ceiling_level

    block = " ".join(p.strip() for p in essays["strong"].split("\n\n"))
    thesis = grade(block).criterion("thesis")
    assert thesis.level == ceiling_level(rubric.min_level, rubric.max_level)
    assert thesis.capped_by == NO_INTRODUCTION
    assert "one block of text" in thesis.cap_reason


FRENCH_ESSAY = (
    "La Révolution française a commencé en 1789 parce que le roi Louis XVI ne pouvait plus "
    "payer les dettes de l'État. Le peuple avait faim et le prix du pain était très élevé. "
    "Les idées des philosophes comme Rousseau et Voltaire ont aussi encouragé les Français à "
    "demander plus de liberté.\n\n"
    "En juin 1789, le tiers état s'est déclaré Assemblée nationale. Le 14 juillet, la foule "
    "parisienne a pris la Bastille. Ces événements montrent que le pouvoir du roi était déjà "
    "très faible. Enfin, la fuite à Varennes en 1791 a détruit la confiance du peuple dans la "
    "monarchie, qui a été abolie en septembre 1792.")


def test_an_essay_in_french_is_named_as_french_not_as_gibberish(grade, rubric):
    """A French essay was labelled "Gibberish: 58% … not English words"."""
    result = grade(FRENCH_ESSAY)
    flag = next(f for f in result.flags if f.code == "gibberish")
    assert "written in French" in flag.message and "reads essays in English" in flag.message
    assert set(result.levels.values()) == {rubric.min_level}


def test_random_syllables_are_not_named_as_a_language(grade):
    rng = random.Random(3)
    words = ["".join(rng.choice("bcdfghjklmnpqrstvwxz") + rng.choice("aeiou")
                     for _ in range(rng.randint(2, 4))) for _ in range(200)]
    text = ". ".join(" ".join(words[i:i + 10]).capitalize() for i in range(0, 200, 10)) + "."
    flag = next(f for f in grade(text).flags if f.code == "gibberish")
    assert "not English words" in flag.message and "written in" not in flag.message


def test_a_text_that_cannot_be_read_as_english_has_no_sentence_marked(grade):
    """The French essay's sentences were marked Evidence, Topic sentence, Spelling, Support."""
    result = grade(FRENCH_ESSAY)
    assert result.sentences and not any(s.roles for s in result.sentences)
