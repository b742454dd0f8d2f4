"""Any question a teacher sets: questions apart from rubrics, key terms read off a question,
off topic judged against the question, honest caps, and dates against the question's period.

The essays in tests/essays/questions/ were written for these tests, each for one question
(questions.yaml); every one is graded against its own question and against all the others.
"""

from __future__ import annotations

import json
import re
from functools import cache

import pytest
import yaml

from grader.render import result_text
from models.features.class_terms import class_key_terms, essay_terms
from models.features.integrity import covers_question, of_another_time, of_its_time
from models.features.known_names import other_names
from models.features.lexicon import QUESTION_WORDS
from models.feedback.compose import tidy
from models.feedback.wording import default_wording
from models.question import KeyTerm, Period, Question, QuestionError, parse_key_terms
from models.rubric import parse_rubric
from models.text import prepare_text
from tests.conftest import QUESTIONS, STALIN

NEW_DEAL = "How far did the New Deal (1933-1939) end the Great Depression?"
FIVE_YEAR_PLANS = Period(1928, 1941)


@cache
def manifest() -> dict[str, dict]:
    return yaml.safe_load((QUESTIONS / "questions.yaml").read_text(encoding="utf-8"))


def essay(name: str) -> str:
    return (QUESTIONS / f"{name}.txt").read_text(encoding="utf-8")


def question_of(name: str) -> Question:
    entry = manifest()[name]
    return Question.build(entry["question"], period=entry["period"])


@pytest.fixture(scope="module")
def crossed(engine):
    """(essay, question essay) -> result: every essay against every question, each essay
    parsed once."""
    questions: dict[str, str] = {}  # question -> the first essay written for it
    for n in manifest():
        questions.setdefault(manifest()[n]["question"], n)
    out = {}
    for name in manifest():
        prepared = prepare_text(essay(name), name)
        doc = engine.nlp(prepared.analysis_text)
        for owner in questions.values():
            analysis = engine.analyse(prepared, doc, question_of(owner))
            out[(name, owner)] = engine.result(name, analysis)
    return out, questions


# --- the question as typed -------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "start", "end", "shown"), [
    ("1933-1939", 1933, 1939, "1933–1939"),
    ("1933 – 1939", 1933, 1939, "1933–1939"),
    ("1914", 1914, 1914, "1914"),
    ("1933 to 1939", 1933, 1939, "1933–1939"),
    ("133 BC-27 BC", -133, -27, "133 BC–27 BC"),
    ("133-27 BC", -133, -27, "133 BC–27 BC"),
    ("49 BC to AD 14", -49, 14, "49 BC–AD 14"),
])
def test_a_period_is_read_as_teachers_write_it(typed, start, end, shown):
    period = Period.parse(typed)
    assert (period.start, period.end) == (start, end)
    assert str(period) == shown
    assert period.distance(start) == 0 and period.distance(start - 10) == 10


@pytest.mark.parametrize(("typed", "problem"), [
    ("soon", "not a year or a range"), ("1939-1933", "ends before it starts"),
    ("0-10", "no year 0"), ("1933-", "not a year or a range")])
def test_a_period_that_is_not_one_is_refused_with_the_reason(typed, problem):
    with pytest.raises(QuestionError, match=problem):
        Period.parse(typed)


def test_questions_and_key_terms_are_checked_as_typed():
    question = Question.build("  How far did the  New Deal\nend the Depression? ",
                              key_terms="New Deal, Roosevelt; WPA / Works Progress "
                                        "Administration\nnew deal",
                              period="1933-1939")
    assert question.text == "How far did the New Deal end the Depression?"
    assert question.key_terms == (KeyTerm("New Deal"), KeyTerm("Roosevelt"),
                                  KeyTerm("WPA", ("Works Progress Administration",)))
    assert parse_key_terms(["a / b", " ", "c"]) == (KeyTerm("a", ("b",)), KeyTerm("c"))
    for bad, reason in (("", "empty"), ("x" * 2001, "limit is 2,000"),
                        ("a\x00b", "NUL")):
        with pytest.raises(QuestionError, match=reason):
            Question.build(bad)
    with pytest.raises(QuestionError, match="longer than 100"):
        Question.build("Why?", key_terms=["x" * 101])
    with pytest.raises(QuestionError, match="limit is 40"):
        Question.build("Why?", key_terms=[f"term {i}" for i in range(41)])
    assert Question.from_dict(question.to_dict()) == question
    assert question.with_class_terms(["relief"]).digest != question.digest


def test_the_period_comes_from_the_years_a_question_names_unless_given():
    assert str(Question.build(NEW_DEAL).effective_period) == "1933–1939"
    assert Question.build(NEW_DEAL).period_source == "question"
    between = Question.build("Why did the colonies break with Britain between 1763 and 1776?")
    assert str(between.effective_period) == "1763–1776"
    assert Question.build("Why did the Republic fall in 49 BC?").effective_period.start == -49
    given = Question.build(NEW_DEAL, period="1929-1941")
    assert str(given.effective_period) == "1929–1941" and given.period_source == "given"
    assert Question.build("Why did the Roman Republic fall?").effective_period is None
    # A decade runs to its ninth year.
    boom = Question.build("Why did the American economy boom in the 1920s?")
    assert str(boom.effective_period) == "1920–1929"


# --- key terms read off the question -----------------------------------------------------------

@pytest.mark.parametrize(("text", "terms"), [
    (NEW_DEAL, ["New Deal", "Great Depression"]),
    ("How successful was Stalin's industrialisation of the Soviet Union? Assess its aims, "
     "methods and results, using evidence from the period.",
     ["Stalin", "industrialisation", "Soviet Union"]),
    ("Why did the American colonies break with Britain between 1763 and 1776?",
     ["American colonies", "Britain"]),
    ("How far was the alliance system responsible for the outbreak of the First World War in "
     "1914?", ["alliance system", "First World War"]),
    ("To what extent was the Treaty of Versailles to blame for the Second World War?",
     ["Treaty of Versailles", "Second World War"]),
    ("How successful were the Five-Year Plans?", ["Five-Year Plans"]),
    ("Explain the causes of the Russian Revolution of February 1917.", ["Russian Revolution"]),
    # A name runs on through "of the"; a month before a name is part of it.
    ("How far was Haig responsible for the failures at the Battle of the Somme (1916)?",
     ["Haig", "Battle of the Somme"]),
    ("How far was the July Crisis the cause of war in August 1914?", ["July Crisis", "war"]),
    # Question words ask in the plural too.
    ("Assess the successes and failures of the League of Nations in the 1920s.",
     ["League of Nations"]),
])
def test_key_terms_are_the_names_and_nouns_a_question_asks_about(engine, text, terms):
    derived = engine.key_terms(Question.build(text))
    assert [t for t, _ in derived] == terms
    assert {source for _, source in derived} == {"question"}
    # What any question says to ask never becomes a term.
    assert not {w.lower() for t, _ in derived for w in t.split()} & QUESTION_WORDS


def test_a_term_counts_in_its_other_forms_and_spellings(analyse):
    question = Question.build(NEW_DEAL + " How far did industrialisation help?")
    a = analyse("The Depression deepened until industrialization resumed in America. "
                "Roosevelt promised a new deal.", question)
    assert set(a.evidence.key_terms_used) == {"Great Depression", "industrialisation",
                                              "New Deal"}


def test_a_term_counts_under_its_other_known_names(analyse):
    question = Question.build("Why did relations between the USA and the USSR break down "
                              "between 1945 and 1949?")
    a = analyse("America feared that the Soviet Union would spread communism. The Americans "
                "offered aid.", question)
    assert set(a.evidence.key_terms_used) == {"USA", "USSR"}
    # "US" is "us" once lowercased: no name that is also a word is listed; nor a people
    # ("Americans" write about the New Deal too), nor a neighbouring thing (Russia).
    assert "US" not in other_names("USA") and other_names("us") == ()
    assert "Soviet Union" in other_names("the USSR") and "USSR" in other_names("Soviets")
    assert not {"Americans", "American"} & set(other_names("USA"))
    assert "Russia" not in other_names("USSR") and other_names("Russia") == ()
    assert other_names("Polish") == other_names("UN") == ()


def test_a_states_people_name_it_in_a_sentence_but_do_not_keep_an_essay_to_it(analyse):
    question = question_of("cold-war-strong")
    a = analyse("American policy under Truman turned suspicion into open division.", question)
    sentence = a.essay.sentences[0]
    assert a.topic.terms_named(sentence) == ["USA"]  # what the sentence is about
    assert a.topic.terms_in(sentence) == []  # not a use of the term that keeps to the question
    assert "USA" in a.evidence.key_terms_used


def test_an_introduction_with_a_claim_as_clear_as_the_conclusions_is_not_told_it_has_none(
        crossed):
    results, _ = crossed
    result = results[("cold-war-strong", "cold-war-strong")]
    thesis = next(c for c in result.criteria if c.id == "thesis")
    # "…was the most important cause, but…" closes its introduction.
    assert not {"thesis.late", "thesis.missing"} & {item.code for item in thesis.feedback}


@pytest.mark.parametrize(("asked", "essays"), [
    ("Why did America become isolationist?", ["new-deal-strong", "cold-war-strong"]),
    ("How did the Soviets control Eastern Europe?", ["first-world-war-strong"]),
])
def test_a_questions_other_names_do_not_make_an_essay_on_another_question_answer_it(
        engine, asked, essays):
    for name in essays:
        result = engine.grade(essay(name), question=Question.build(asked))
        assert "off_topic" in result.flag_codes, name


def test_an_essay_all_of_whose_years_are_of_another_time_is_off_topic_and_says_so(crossed):
    results, _ = crossed
    # It shares the question's names (Stalin, the Soviet Union): its years tell it apart.
    result = results[("cold-war-strong", "stalin-strong-short")]
    flag = next(f for f in result.flags if f.code == "off_topic")
    assert "Its years (1945, 1947, 1948 and 1949) all lie outside the question's period " \
        "(1928–1941)." in flag.message


def test_a_year_near_the_period_keeps_an_essay_of_its_time(analyse):
    def of_another(text: str, period: Period | None = FIVE_YEAR_PLANS) -> bool:
        return of_another_time(list(analyse(text, None).essay.sentences), period)

    assert of_another("In 1945, 1946 and 1949 it rained.")
    assert not of_another("In 1945, 1946 and 1949 it rained. In 1943 it snowed.")
    assert not of_another("In 1945 and 1949 it rained.")  # two years say too little
    assert not of_another("In 1945, 1946 and 1949 it rained.", None)
    # A question naming one year ("the Treaty of Versailles (1919)") asks about what followed.
    assert not of_another("In 1933, 1936 and 1939 it rained.", Period(1919, 1919))
    # The dates of works cited say when historians wrote, not when the essay is set.
    assert not of_another("Conquest (1968), Fitzpatrick (1994) and Allen (2003) disagree.")
    assert of_another("Historians disagreed in 1968, in 1994 and in 2003.")


def test_an_essay_mostly_of_the_questions_time_that_names_its_terms_answers_it(analyse):
    def of_its(text: str, period: Period | None = FIVE_YEAR_PLANS) -> bool:
        return of_its_time(list(analyse(text, None).essay.sentences), period)

    assert of_its("In 1928, 1932 and 1950 it rained.")  # two of three within the period
    assert not of_its("In 1928, 1950 and 1960 it rained.")
    assert not of_its("In 1928 and 1932 it rained.")
    assert not of_its("In 1928, 1932 and 1937 it rained.", Period(1932, 1932))
    # The Cold War essay names none of its question's words often ("relations", "the USA",
    # "the USSR": once each), but all its years are the question's and it names its terms.
    result = analyse(essay("cold-war-strong"), question_of("cold-war-strong"))
    assert not result.integrity.has("off_topic")


def test_an_essay_naming_its_questions_terms_in_introduction_and_conclusion_answers_it(
        analyse):
    # "Why did the Berlin Wall fall?" is answered with Gorbachev, Honecker and Leipzig: the
    # Wall is named in the first and last paragraphs only, too few sentences to keep to it.
    text = essay("berlin-wall-strong")
    paragraphs = text.split("\n\n")
    one_block = " ".join(paragraphs)  # its opening sentences and its closing run frame it
    for question in ("Why did the Berlin Wall fall in 1989?", "Why did the Berlin Wall fall?"):
        for written in (text, one_block):
            assert not analyse(written, Question.build(question)).integrity.has("off_topic")
    # Every name the question gives is enough: its other words ("surprise") may go unsaid.
    assert not analyse(text, Question.build(
        "Why was the fall of the Berlin Wall such a surprise in 1989?")).integrity.has("off_topic")
    # Named in the introduction alone, it is not framed by the question: off topic.
    unframed = "\n\n".join([*paragraphs[:-1], paragraphs[-1].replace("the Wall", "the border")])
    assert analyse(unframed, Question.build("Why did the Berlin Wall fall?")).integrity.has(
        "off_topic")
    # Framed by a question's terms but of another time, its one year included, it answers
    # another question on the same subject: none of its years is within two of 1961.
    built = analyse(text, Question.build("Why was the Berlin Wall built in 1961?"))
    assert built.integrity.has("off_topic")


def test_a_paragraph_on_historians_after_the_period_is_still_scored(engine):
    # Years are judged on the whole essay: a paragraph on the historians' debate names only
    # years long after the period, and is still part of the answer.
    historians = ("Historians still disagree about this verdict. Robert Conquest (1968) stressed "
                  "the terror and the human cost, Sheila Fitzpatrick (1994) showed how many "
                  "workers rose into new jobs and welcomed the changes, and Robert Allen (2003) "
                  "calculated that living standards eventually rose. The debate shows that the "
                  "answer depends on whose experience is counted.")
    question = Question.build(STALIN.text, key_terms=["/".join(t.forms) for t in STALIN.key_terms],
                              period="1928-1941")
    result = engine.grade(essay("stalin-strong-short") + "\n\n" + historians, question=question)
    assert not {"off_topic", "off_topic_part"} & set(result.flag_codes)


def test_a_teachers_key_terms_replace_the_derived_ones(engine):
    question = Question.build(NEW_DEAL, key_terms=["Roosevelt", "WPA / Works Progress "
                                                                "Administration"])
    assert engine.key_terms(question) == [("Roosevelt", "teacher"), ("WPA", "teacher")]


# --- off topic, judged against the question ----------------------------------------------------

def test_every_essay_is_on_topic_for_its_own_question(crossed):
    results, questions = crossed
    for name in manifest():
        owner = questions[manifest()[name]["question"]]
        result = results[(name, owner)]
        assert "off_topic" not in result.flag_codes, name
        assert result.question.text == manifest()[name]["question"]
        assert result.question.topic_judged


def test_every_essay_is_off_topic_for_every_other_question(crossed):
    results, _ = crossed
    for (name, owner), result in results.items():
        if manifest()[name]["question"] == manifest()[owner]["question"]:
            continue
        assert "off_topic" in result.flag_codes, (name, owner)
        assert result.overall_level == 1 and result.overall_capped_by == "off_topic"


def test_an_off_topic_essay_gets_one_plain_comment_naming_its_question(crossed):
    results, _ = crossed
    result = results[("new-deal-strong", "roman-republic-strong")]
    thesis, evidence = result.criterion("thesis"), result.criterion("evidence")
    off = [item for item in result.feedback if item.code == "thesis.off_topic"]
    assert len(off) == 1
    assert "Why did the Roman Republic collapse in the first century BC?" in off[0].message
    # Nothing that contradicts it: no praise of its thesis or evidence, no key-term advice.
    assert thesis.feedback == tuple(off) and evidence.feedback == ()
    assert not [i for i in result.feedback if i.code == "evidence.key_terms"]
    # Its writing is still judged as writing.
    assert result.criterion("structure").feedback and result.criterion("structure").level > 1


def test_no_comment_names_a_topic_that_is_neither_the_questions_nor_the_essays(crossed):
    results, _ = crossed
    for (name, owner), result in results.items():
        allowed = " ".join([essay(name), result.question.text,
                            *(t.term for t in result.question.key_terms)]).lower()
        for item in result.feedback:
            template = default_wording()[item.code]
            stock = f"{template.message} {template.next_step}"
            for word in re.findall(r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)*\b",
                                   f"{item.message} {item.next_step}"):
                assert word in stock or word.lower() in allowed, (name, owner, item.code, word)
        assert "stalin" not in json.dumps(result.to_dict()).lower() or "stalin" in allowed


def test_no_comment_doubles_the_full_stop_of_a_sentence_it_quotes(crossed):
    results, _ = crossed
    messages = [text for result in results.values() for item in result.feedback
                for text in (item.message, item.next_step)]
    assert any(re.search(r"[.?!]”", text) for text in messages)  # sentences are quoted whole
    assert not [text for text in messages if re.search(r"[.?!…][”’\"']+\.", text)
                and "…”." not in text]
    # A quotation cut short ends in "…": the full stop after it is the comment's own.
    assert tidy("Explain “The plan offered …”.") == "Explain “The plan offered …”."
    assert tidy("Your conclusion returns to your argument: “It failed.”.") == \
        "Your conclusion returns to your argument: “It failed.”"


def test_key_term_advice_names_only_the_questions_terms_and_only_when_missing(engine):
    text = essay("new-deal-weak")
    on_topic = engine.grade(text, question=question_of("new-deal-weak"))
    assert not [i for i in on_topic.feedback if i.code == "evidence.key_terms"]
    asked = Question.build(NEW_DEAL, key_terms=["New Deal", "Hoover", "Hundred Days",
                                                "Social Security"])
    advised = [i for i in engine.grade(text, question=asked).feedback
               if i.code == "evidence.key_terms"]
    assert len(advised) == 1
    assert "“Hoover”" in advised[0].message and "New Deal" not in advised[0].message


def test_without_a_question_the_topic_is_not_judged_and_the_result_says_so(engine, essays):
    result = engine.grade(essays["off_topic"])
    assert result.question is None
    assert "off_topic" not in result.flag_codes
    assert not [i for i in result.feedback if i.code == "evidence.key_terms"]
    assert "Question: none given, so the topic was not judged" in result_text(result, 4)


@pytest.mark.parametrize(("asked", "because"), [
    ("Being busy", "a title"), ("Career commitment", "a title"),
    ("Write a story about a time when you were patient.", "a story"),
    ("We all understand the benefits of laughter. Tell a true story in which laughter was one "
     "element.", "a story")])
def test_a_title_or_a_story_prompt_is_not_a_question_to_judge_the_topic_by(engine, essays,
                                                                           asked, because):
    # Measured: genuine essays were called off topic against these as often as essays on
    # another question (bench/feedback.py).
    result = engine.grade(essays["off_topic"], question=Question.build(asked))
    assert "off_topic" not in result.flag_codes
    assert not result.question.topic_judged and because in result.question.not_judged_because
    # With the teacher's key terms, even a title is judged.
    termed = engine.grade(essays["off_topic"], question=Question.build(
        asked, key_terms=["Stalin", "Five-Year Plan"]))
    assert "off_topic" in termed.flag_codes and termed.question.topic_judged


def test_an_essay_using_the_questions_own_words_throughout_answers_it(engine):
    # A short question in everyday words gives the rarity-weighted share little to go on.
    text = ("Competition teaches children to work hard, but cooperation teaches them to work "
            "with others. Schools that only reward competition create students who see their "
            "classmates as rivals. Cooperation, on the other hand, builds the teamwork that "
            "employers value. A good school should teach both competition and cooperation, "
            "because adult life needs both.")
    question = Question.build("Should students be taught to compete or to cooperate?")
    assert "off_topic" not in engine.grade(text, question=question).flag_codes
    # Taken up by family ("competition" for "compete"), two of its words at least, each twice.
    topic = engine.topic_for(question)
    assert covers_question(["competition", "competitive", "cooperation", "cooperate"]
                           + ["game"] * 50, topic)
    assert not covers_question(["competition", "competitive"] + ["game"] * 50, topic)
    assert not covers_question(["competition", "cooperation"] + ["game"] * 50, topic)


def test_a_rubric_with_a_question_of_its_own_grades_against_it(engine, nlp, rubric, essays):
    from models.engine import Engine

    legacy = rubric.__class__(**{**rubric.__dict__, "question": STALIN})
    own = Engine(legacy, nlp=nlp)
    result = own.grade(essays["off_topic"])
    assert "off_topic" in result.flag_codes
    assert result.question.source == "rubric"
    given = own.grade(essays["off_topic"], question=Question.build(
        "Do the benefits of social media for teenagers outweigh its problems?"))
    assert "off_topic" not in given.flag_codes and given.question.source == "given"


def test_an_old_rubric_file_with_a_prompt_still_grades_against_its_prompt(nlp, essays):
    from models.engine import Engine
    from tests.conftest import DEFAULT_RUBRIC

    text = DEFAULT_RUBRIC.read_text(encoding="utf-8")
    text += ("prompt: How successful was Stalin's industrialisation of the Soviet Union?\n"
             "key_terms: [Stalin, {term: Five-Year Plan, aliases: [five year plan]}]\n")
    old = parse_rubric(text, source="old.yaml", base_dir=DEFAULT_RUBRIC.parent)
    engine = Engine(old, nlp=nlp)
    assert "off_topic" in engine.grade(essays["off_topic"]).flag_codes
    assert "off_topic" not in engine.grade(essays["strong"]).flag_codes


# --- caps, said plainly -----------------------------------------------------------------------

def test_a_capped_level_says_it_is_capped_and_why_in_json_and_text(crossed, rubric):
    results, _ = crossed
    result = results[("first-world-war-strong", "new-deal-strong")]
    document = result.to_dict()
    thesis = next(c for c in document["criteria"] if c["id"] == "thesis")
    assert thesis["capped_by"] == "off_topic" and thesis["level"] == 1
    assert thesis["score"] == 1.0  # the score that gave the level
    assert thesis["uncapped_score"] > 3  # the essay's own thesis is strong
    assert thesis["cap_reason"].startswith("Capped at level 1 (Beginning): the essay seems")
    assert document["overall"]["capped_by"] == "off_topic"
    assert document["overall"]["uncapped_score"] > document["overall"]["score"] == 1.0
    text = result_text(result, rubric.max_level)
    assert "Thesis: level 1 Beginning (confidence 0.90)  [capped]" in text
    assert "Without the cap: level 4" in text
    # The level's descriptor is not shown as if it judged this thesis.
    assert rubric.criterion("thesis").descriptors[1] not in text
    uncapped = results[("first-world-war-strong", "first-world-war-strong")]
    assert all(c.capped_by is None and c.score == c.uncapped_score for c in uncapped.criteria)


def test_a_too_short_essay_is_capped_with_its_reason(grade, rubric):
    result = grade("Stalin's industrialisation was largely successful because the Five-Year "
                   "Plans quadrupled steel output between 1928 and 1937, although millions of "
                   "peasants died in the famine of 1932.")
    capped = [c for c in result.criteria if c.capped_by == "too_short"]
    for criterion in capped:
        assert criterion.level == 2 and criterion.score == 2.0
        assert "shorter than the rubric's minimum" in criterion.cap_reason


# --- dates against the question's period -------------------------------------------------------

def test_years_far_outside_the_period_are_flagged_and_earn_no_evidence_credit(analyse, engine):
    text = essay("new-deal-invented")
    result = engine.grade(text, question=question_of("new-deal-invented"))
    flag = next(f for f in result.flags if f.code == "date_out_of_period")
    quoted = " ".join(ref.text for ref in flag.sentences)
    assert "1066" in quoted and "1492" in quoted
    for ref in flag.sentences:
        assert text[ref.start:ref.end] == ref.text
    assert "1933–1939" in flag.message and "Facts are not otherwise checked" in flag.message
    roles = {s.index: s.roles for s in result.sentences}
    assert all("date_out_of_period" in roles[ref.index] for ref in flag.sentences)
    a = analyse(text, question_of("new-deal-invented"))
    for ref in flag.sentences:
        assert ref.index not in a.evidence.evidence
    for index, mark in a.evidence.sentences.items():
        assert "1066" not in mark.items and "1492" not in mark.items, index


def test_dates_within_two_centuries_and_quantities_are_not_flagged(engine):
    for name in ("new-deal-strong", "french-revolution-strong", "american-revolution-strong",
                 "first-world-war-strong"):
        result = engine.grade(essay(name), question=question_of(name))
        assert "date_out_of_period" not in result.flag_codes, name
    text = ("The Works Progress Administration employed 1500 men in one town in 1936, and "
            "2000 more the next year. Its critics looked back to the Constitution of 1787.")
    result = engine.grade(text, question=Question.build(NEW_DEAL))
    assert "date_out_of_period" not in result.flag_codes


def test_bc_dates_are_read_and_judged_against_a_bc_period(engine):
    question = Question.build("Why did the Roman Republic collapse?", period="133 BC-27 BC")
    text = essay("roman-republic-strong")
    assert "date_out_of_period" not in engine.grade(text, question=question).flag_codes
    wrong = text.replace("49 BC", "AD 1490", 1)
    assert "AD 1490" in wrong
    flagged = engine.grade(wrong, question=question)
    assert "date_out_of_period" in flagged.flag_codes


def test_an_off_topic_essay_is_not_also_flagged_for_its_dates(crossed):
    results, _ = crossed
    # Its dates belong to the question it answers: one flag says what matters.
    result = results[("roman-republic-strong", "new-deal-strong")]
    assert "off_topic" in result.flag_codes
    assert "date_out_of_period" not in result.flag_codes


def test_a_long_list_of_dates_is_named_in_part_and_every_sentence_is_quoted(engine):
    question = Question.build("Why did the Roman Republic collapse?", period="1933-1939")
    # One year in the period: an essay whose years are all of another time is off topic.
    result = engine.grade(essay("roman-republic-strong") + "\n\nHistorians in 1935 still "
                          "argued about its fall.", question=Question.build(
        question.text, key_terms=["Roman Republic", "Caesar"], period="1933-1939"))
    flag = next(f for f in result.flags if f.code == "date_out_of_period")
    assert re.search(r"gives \d+ BC, \d+ BC, \d+ BC, \d+ BC and \d+ more,", flag.message)
    assert len(flag.sentences) > 4


def test_without_a_period_no_date_is_judged(engine):
    result = engine.grade(essay("new-deal-invented"),
                          question=Question.build("How far did the New Deal end the slump?"))
    assert "date_out_of_period" not in result.flag_codes


# --- the class's own words ----------------------------------------------------------------------

def test_a_class_of_ten_shares_words_that_become_terms_no_comment_names(analyse, engine):
    texts = [essay("new-deal-strong"), essay("new-deal-weak"), essay("new-deal-invented")]
    counts = [essay_terms(analyse(t, question_of("new-deal-strong")).scored) for t in texts]
    assert class_key_terms(counts * 3) == []  # nine essays do not show what a class shares
    shared = class_key_terms(counts * 4)
    assert "roosevelt" in shared and "deal" in shared
    assert "march" not in shared and "cent" not in shared
    question = question_of("new-deal-strong").with_class_terms(shared)
    result = engine.grade(essay("new-deal-weak"), question=question)
    sources = {t.source for t in result.question.key_terms}
    assert sources == {"question", "class"}
    advice = " ".join(i.message for i in result.feedback if i.code == "evidence.key_terms")
    assert not any(f"“{word}”" in advice for word in shared)


def test_an_essay_that_writes_out_its_question_first_is_graded_as_the_essay_alone(engine):
    """Students often copy the question above their essay: it is no introduction without a
    claim (the thesis was capped at level 2 for it) and no words of theirs."""
    question = question_of("new-deal-strong")
    text = essay("new-deal-strong")
    alone = engine.grade(text, question=question)
    for heading in (question.text, question.text.upper().rstrip("?")):
        headed = engine.grade(f"{heading}\n\n{text}", question=question)
        assert headed.words == alone.words
        assert [(c.id, c.level, c.capped_by) for c in headed.criteria] == \
            [(c.id, c.level, c.capped_by) for c in alone.criteria]
        assert [(s.index, s.roles) for s in headed.sentences] == \
            [(s.index, s.roles) for s in alone.sentences]
        assert [f.message for c in headed.criteria for f in c.feedback] == \
            [f.message for c in alone.criteria for f in c.feedback]
