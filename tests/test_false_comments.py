"""False comments found when real essays were read as a teacher would (issue 13, item 4).

Each test holds the sentence that drew the false comment, verbatim, and proves the comment is no
longer made; where the fix draws a line (what a figure is, where a conclusion may start), the
test shows both sides of it.
"""

from __future__ import annotations

import pytest

from models.features import spelling
from models.features.evidence import figures_in
from models.features.structure import transition_of
from models.feedback.wording import generic_tips
from models.question import Question
from models.text import prepare_text
from tests.conftest import ESSAYS, QUESTIONS

NEW_DEAL = Question.build("How far did the New Deal (1933-1939) end the Great Depression?",
                          period="1933-1939")
FIRST_WORLD_WAR = Question.build("How far was the alliance system responsible for the outbreak of "
                                 "the First World War in 1914?", period="1914")
FRENCH_REVOLUTION = Question.build("Why did the French monarchy collapse between 1789 and 1792?",
                                   period="1789-1792")
AMERICAN_REVOLUTION = Question.build("Why did the American colonies break with Britain between "
                                     "1763 and 1776?", period="1763-1776")


def essay_file(name: str) -> str:
    return (QUESTIONS / f"{name}.txt").read_text(encoding="utf-8")


def sentence_with(analysis, words: str):
    return next(s for s in analysis.scored.sentences if words in s.text)


def items(result, code: str | None = None) -> list:
    return [i for c in result.criteria for i in c.feedback if code is None or i.code == code]


def quoted(result, code: str) -> list[str]:
    return [ref.text for i in items(result, code) for ref in i.sentences]


# --- 1. structure.transitions_missing: links the student made --------------------------------

INTRODUCTION = ("Stalin's industrialisation turned the Soviet Union into an industrial power, but "
                "it did so at a terrible human cost.\n\n")


@pytest.mark.parametrize("linked", [
    "This shows that central planning could mobilise resources at great speed.",
    "This advancement would let the country compete with the capitalist powers of Europe.",
])
def test_a_sentence_that_points_back_with_this_is_linked(analyse, linked):
    text = (INTRODUCTION + "Lenin had dreamed of electric light in every village within ten "
            f"years. {linked} Output of coal and steel rose year after year.")
    a = analyse(text)
    assert sentence_with(a, linked).index not in a.structure.abrupt


def test_a_linking_word_inside_the_first_clause_links_the_sentence(analyse):
    failed = "Gradually, however, that trust gave way to suspicion of Parliament."
    text = ("The colonists broke with Britain because Parliament taxed them without their "
            "consent.\n\nIn 1763 most colonists were proud to be British subjects. " + failed
            + " Boycotts spread from Boston to Charleston.")
    a = analyse(text, AMERICAN_REVOLUTION)
    gradually = sentence_with(a, failed)
    assert gradually.index not in a.structure.abrupt
    use = next(t for t in a.structure.transitions if t.sentence == gradually.index)
    assert (use.marker, use.kind, use.opening) == ("however", "contrast", False)
    # A marker inside the first clause is no opening signpost: it never counts towards a
    # repeated opener or a sequence.
    assert a.structure.repeated_marker is None


def test_a_linking_word_inside_a_quotation_is_not_the_students(analyse):
    text = (INTRODUCTION + "In 1931 Stalin told a conference of managers: “We are fifty or a "
            "hundred years behind the advanced countries. On the contrary, we must make good "
            "this distance in ten years.” Factories were built across the Urals and Siberia.")
    a = analyse(text)
    quoted_sentence = sentence_with(a, "On the contrary")
    assert all(t.sentence != quoted_sentence.index for t in a.structure.transitions)
    assert transition_of(quoted_sentence, a.evidence.quotations) is None
    assert quoted_sentence.index not in a.structure.abrupt


def test_a_pronoun_or_demonstrative_reference_links_the_sentence(grade):
    # new-deal-strong: "his administration" refers back to Roosevelt in the sentence before.
    result = grade(essay_file("new-deal-strong"), question=NEW_DEAL)
    assert not any(t.startswith("Over the next six years his administration")
                   for t in quoted(result, "structure.transitions_missing"))


BERLIN_WALL = Question.build("Why did the Berlin Wall fall in 1989?")
HONECKER = "Erich Honecker could no longer rely on Soviet troops."


def test_a_thing_named_by_another_of_its_names_links_the_sentence(analyse):
    # berlin-wall-strong: "Soviet troops" takes up "the USSR" two sentences before.
    text = essay_file("berlin-wall-strong")
    a = analyse(text, BERLIN_WALL)
    assert sentence_with(a, HONECKER).index not in a.structure.abrupt
    # The other side of the line: with nothing before it naming the USSR, it changes subject.
    unnamed = analyse(text.replace("leader of the USSR in 1985", "leader in 1985"), BERLIN_WALL)
    assert sentence_with(unnamed, HONECKER).index in unnamed.structure.abrupt


def test_at_the_same_time_links_the_sentence(analyse):
    same_time = "At the same time the Monday demonstrations in Leipzig grew from a few hundred"
    a = analyse(essay_file("berlin-wall-strong"), BERLIN_WALL)
    sentence = sentence_with(a, same_time)
    assert sentence.index not in a.structure.abrupt
    use = next(t for t in a.structure.transitions if t.sentence == sentence.index)
    assert (use.marker, use.opening) == ("at the same time", True)
    # Inside a sentence it means "together", and links nothing.
    inside = analyse("Skype is my favourite website because I can see the person I am talking "
                     "to at the same time.", None)
    assert transition_of(inside.scored.sentences[0]) is None


# --- 2. evidence.unexplained: explanations later in the paragraph -----------------------------

def test_an_explanation_later_in_the_paragraph_explains_the_evidence(analyse):
    failed = "The Stamp Act of 1765 taxed newspapers and legal documents."
    text = ("The colonies broke with Britain mainly because of a constitutional dispute over "
            "taxation.\n\n" + failed + " Nine colonies sent delegates to the Stamp Act Congress "
            "in October 1765. Merchants in Boston and New York organised boycotts of British "
            "goods. This shows that resistance to taxation without representation had spread "
            "across the colonies.\n\nIn conclusion, taxation was the root of the break.")
    a = analyse(text, AMERICAN_REVOLUTION)
    stamp = sentence_with(a, failed)
    assert stamp.index in a.evidence.explained
    assert stamp.index not in a.evidence.unexplained


def test_a_sentence_that_draws_a_consequence_is_not_unexplained_evidence(analyse):
    failed = "These agreements divided Europe into two armed camps."
    text = ("The alliance system was an important cause of the war, but the choices of leaders "
            "in July 1914 mattered more.\n\nGermany and Austria-Hungary formed the Dual Alliance "
            "in 1879. France and Russia signed an alliance of their own in 1894. " + failed +
            " In 1914 a crisis in the Balkans drew in every great power.\n\nIn conclusion, the "
            "alliances spread the war but did not start it.")
    a = analyse(text, FIRST_WORLD_WAR)
    camps = sentence_with(a, failed)
    assert camps.index not in a.evidence.unexplained
    dual = sentence_with(a, "Dual Alliance")
    assert dual.index in a.evidence.explained  # "These agreements …" takes it up


def test_evidence_read_as_something_by_the_next_sentence_is_explained(analyse):
    plan = "The Marshall Plan of 1947 offered $13 billion of aid to rebuild Europe."
    text = ("Relations broke down because neither side trusted the other.\n\n" + plan +
            " Stalin saw it as dollar imperialism, a way for America to buy influence in Eastern "
            "Europe, and he forbade the countries he controlled from accepting it. Instead he "
            "set up Cominform and Comecon.\n\nIn conclusion, each side feared the other.")
    a = analyse(text, Question.build("Why did relations between the USA and the USSR break "
                                     "down between 1945 and 1949?"))
    marshall = sentence_with(a, plan)
    assert marshall.index in a.evidence.explained
    assert marshall.index not in a.evidence.unexplained


def test_the_alliance_paragraph_of_the_first_world_war_essay_is_not_called_unexplained(grade):
    result = grade(essay_file("first-world-war-strong"), question=FIRST_WORLD_WAR)
    flagged = quoted(result, "evidence.unexplained")
    assert "The alliance system divided Europe into two armed camps that made a local conflict " \
           "likely to spread." not in flagged
    assert not any(t.startswith("Germany and Austria-Hungary had formed the Dual Alliance")
                   for t in flagged)


# --- 3. structure.topic_sentence ----------------------------------------------------------

def test_a_model_topic_sentence_opening_with_however_connects_to_its_paragraph(analyse, grade):
    failed = "However, the New Deal's institutions outlasted the crisis."
    text = ("When Franklin Roosevelt took office in March 1933, a quarter of American workers "
            "had no job. Relief, recovery and reform were his watchwords.\n\n"
            "Roosevelt's first hundred days restored confidence in the banks. The Emergency "
            "Banking Act of March 1933 reopened the sound banks within a week. Deposits flowed "
            "back in, which shows that leadership mattered as much as any law.\n\n"
            + failed + " The Social Security Act of 1935 introduced old-age pensions and "
            "unemployment insurance. The Securities and Exchange Commission, set up in 1934, "
            "still polices the stock market. This shows that Roosevelt's reforms changed "
            "American capitalism for good.\n\n"
            "In conclusion, Roosevelt restored confidence and left lasting reforms.")
    a = analyse(text, NEW_DEAL)
    opening = sentence_with(a, failed)
    topic = next(t for t in a.structure.topic_sentences if t.sentence == opening.index)
    assert topic.problem is None
    assert failed not in quoted(grade(text, question=NEW_DEAL), "structure.topic_sentence")


# --- 4. thesis.late: "only comes in paragraph 1" ---------------------------------------------

def test_a_late_claim_in_a_one_paragraph_essay_is_not_said_to_come_in_paragraph_1(grade):
    claim = ("Although the human cost was devastating, Stalin's industrialisation was largely "
             "successful because it turned the USSR into an industrial power able to survive the "
             "German invasion of 1941.")
    text = ("Stalin became leader of the Soviet Union in the late 1920s. He came from Georgia. "
            "He worked with Lenin for many years. The country had few factories. Most people "
            "lived in villages. Lenin died in 1924. Trotsky was sent away. Stalin then started "
            "the first Five-Year Plan in 1928. New factories were built in the Urals. Many "
            f"peasants moved to the cities. {claim} The war ended in 1945.")
    late = items(grade(text), "thesis.late")
    assert [ref.text for i in late for ref in i.sentences] == [claim]
    assert "paragraph" not in late[0].message
    assert "in sentence 11 of 12" in late[0].message


# --- 5. a title line ------------------------------------------------------------------------

@pytest.mark.parametrize("title", ["The New Deal and the Depression", "Essay 3: Causes of WW1"])
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_a_title_line_is_not_a_paragraph_nor_a_sentence(analyse, essays, title, gap):
    body = essays["strong"]
    text = title + gap + body
    a = analyse(text)
    assert a.structure.paragraph_count == 5
    assert all(title not in s.text for s in a.essay.sentences)
    assert all(text[s.start:s.end] == s.text for s in a.essay.sentences)
    thesis = a.essay.sentence(a.thesis.thesis)
    assert a.thesis.in_introduction and "largely successful" in thesis.text
    prepared = prepare_text(text)
    assert text[prepared.title.start:prepared.title.end] == title
    assert prepared.word_count == prepare_text(body).word_count


def test_a_first_line_that_ends_as_a_sentence_is_no_title():
    assert prepare_text("Stalin ruled the Soviet Union.\nHe built factories.").title is None
    assert prepare_text("Dear Local Newspaper,\nComputers help people.").title is None
    assert prepare_text("The New Deal and the Depression").title is None  # nothing follows


# --- 6. language.variety_good and generic tips ---------------------------------------------

def test_the_weakest_sentence_is_not_praised_as_well_built(grade):
    weakest = ("Roosevelt started the New Deal in 1933 because lots of people were poor and it "
               "was very good i think.")
    text = ("The New Deal helped America recover from the Great Depression.\n\n" + weakest +
            " The banks were in a mess. He sorted them out.\n\nSo the New Deal worked.")
    assert weakest not in quoted(grade(text, question=NEW_DEAL), "language.variety_good")


def test_an_essay_gets_at_most_one_generic_language_tip(grade, essays):
    openers = ("Stalin wanted factories. Stalin built dams. Stalin moved peasants to the "
               "cities. Stalin ignored the famine. Stalin was feared by everyone in the party. "
               "Although the human cost was devastating, the plans turned the USSR into an "
               "industrial power that could survive the German invasion of 1941.")
    texts = [*essays.values(), openers, *(essay_file(p.stem)
                                           for p in QUESTIONS.glob("*.txt"))]
    for text in texts:
        tips = [i for i in items(grade(text)) if i.code in generic_tips()]
        assert len(tips) <= 1, [i.code for i in tips]
    codes = [i.code for i in items(grade(openers))]
    assert "language.repetitive_openers" in codes and "language.variety_good" not in codes


# --- 7. language.fragment -----------------------------------------------------------------

@pytest.mark.parametrize("sentence", [
    "The Stamp Act taxed newspapers, legal documents and playing cards.",
    "The Townshend Acts of 1767 taxed glass, paint, paper and tea.",
    "The Proclamation of 1763 banned settlement west of the Appalachian Mountains, angering "
    "land speculators and farmers alike.",
    # "made" tagged as a participle modifying "compromise", after an adjective used as a noun.
    "Each side's fear of the other made compromise impossible by 1775.",
])
def test_a_sentence_whose_past_tense_is_tagged_as_a_participle_is_not_a_fragment(analyse,
                                                                                 sentence):
    a = analyse("Britain taxed the colonies after 1763. " + sentence + " The colonists "
                "protested.", AMERICAN_REVOLUTION)
    assert sentence_with(a, sentence).index not in a.language.fragments


@pytest.mark.parametrize("fragment", ["Because of the war.", "The results of the plans.",
                                      "Huge new steel works and dams.",
                                      "The poor affected by the famine."])
def test_a_real_fragment_is_still_a_fragment(analyse, fragment):
    a = analyse("Stalin built factories in the Urals. " + fragment + " They changed the country.")
    assert sentence_with(a, fragment).index in a.language.fragments


# --- 8. spelling: British and American, words run together ---------------------------------

def test_cheque_and_other_british_spellings_are_not_misspellings(analyse):
    failed = ("On 5 July Germany gave Austria-Hungary a “blank cheque” of unconditional support, "
              "and on 23 July Vienna sent Serbia an ultimatum that it expected to be rejected.")
    assert analyse(failed, FIRST_WORLD_WAR).language.misspellings == ()
    british = ("cheque cheques colour programme programmes labour labourers defence defences "
               "centre organise realise favour favourite travelled analyse analysing "
               "neighbourhood jewellery manoeuvre aeroplane").split()
    assert [w for w in british if not spelling.is_known(w)] == []
    assert spelling.is_known("color") and spelling.is_known("program") and spelling.is_known(
        "analyze")
    # A rule that turns "-ence" into "-ense" would also pass "sence"; such words stay errors.
    assert not spelling.is_known("sence")


def test_a_foreign_name_opening_a_sentence_is_not_a_misspelling(analyse):
    """Read in the pages on a Weimar essay: "check the spelling of “Brüning”" (the chancellor),
    because a sentence's first word is not skipped as a name is elsewhere."""
    text = ("The Depression changed everything in Germany after 1929. Brüning governed by "
            "emergency decree under Article 48, so parliament was already being bypassed. "
            "Stresemann had died, and Göring later led the Reichstag.")
    assert analyse(text, FIRST_WORLD_WAR).language.misspellings == ()
    wrong = analyse("Recieved wisdom says the treaty was harsh and unfair to Germany in 1919.",
                    FIRST_WORLD_WAR).language.misspellings
    assert [m.word for m in wrong] == ["Recieved"]  # an English word opening a sentence still


def test_words_run_together_are_split_not_replaced_by_another_word(engine):
    text = ("The New Deal helped alot of people, because the programmes put them back to work "
            "in 1935.")
    item = next(i for i in items(engine.grade(text, question=NEW_DEAL))
                if i.code == "language.spelling")
    assert item.message.endswith("check the spelling of “alot”.")  # not of "programmes"
    assert item.next_step == "Correct it (perhaps “a lot”)."
    for joined, split in [("alot", "a lot"), ("infront", "in front"), ("aswell", "as well"),
                          ("eachother", "each other"), ("incase", "in case"),
                          ("atleast", "at least"), ("infact", "in fact")]:
        assert not spelling.is_known(joined) and spelling.suggestion(joined) == split
    assert spelling.is_known("nowadays")


# --- 9. figures --------------------------------------------------------------------------

@pytest.mark.parametrize("sentence", [
    "Second, the railways carried goods for thousands of miles across the country.",
    "In eighth grade we learned that millions of Americans lost their savings.",
    "The Third Estate met at Versailles, and the two sides quarrelled over the Five-Year Plan.",
])
def test_ordinals_and_vague_quantities_are_not_figures(analyse, sentence):
    s = analyse(sentence).scored.sentences[0]
    assert figures_in(s.tokens) == []


@pytest.mark.parametrize(("sentence", "figure"), [
    ("Unemployment reached 13 million in 1933.", "13"),
    ("Unemployment fell to 25 per cent of the workforce.", "25"),
    ("Steel output grew fourfold under the plans.", "fourfold"),
    ("Two-thirds of the peasants joined collective farms.", "two"),
    ("Half of the workforce was unemployed in some towns.", "half"),
    ("A third of the banks failed.", "third"),
])
def test_numbers_with_or_without_a_unit_are_figures(analyse, sentence, figure):
    s = analyse(sentence).scored.sentences[0]
    assert figure in figures_in(s.tokens)


# --- 10. word counts --------------------------------------------------------------------

def test_numbers_count_as_words_so_a_151_word_essay_is_not_too_short(grade):
    text = ("When Roosevelt took office in March 1933, about 25% of American workers, some 13 "
            "million people, had no job. Between 1929 and 1933 more than 9,000 banks had failed. "
            "In his first 100 days Congress passed 15 laws. The Emergency Banking Act of 1933 "
            "reopened sound banks, and deposits returned. The Civilian Conservation Corps "
            "employed 3 million men between 1933 and 1942. The Works Progress Administration, "
            "created in 1935, gave work to 8.5 million people. Unemployment fell to 14% in 1937 "
            "but rose to 19% in 1938 after Roosevelt cut spending. By 1939 it was still above "
            "17%. The New Deal therefore relieved suffering and restored confidence, but it did "
            "not end the Depression. Only the rearmament that began in 1940 brought full "
            "employment. The New Deal reformed American capitalism and gave relief to millions, "
            "yet recovery came from war spending after 1941, not from the programmes of 1933 to "
            "1939.")
    assert len(text.split()) == 151  # 127 words without the numbers
    result = grade(text, question=NEW_DEAL)
    assert result.words == 151
    assert "too_short" not in {f.code for f in result.flags}


# --- 11. quotations over several sentences ----------------------------------------------

def test_a_quotation_over_several_sentences_is_one_piece_of_evidence(grade, analyse, essays):
    text = ("Stalin's industrialisation was largely successful because it prepared the USSR for "
            "war.\n\nIn 1931 Stalin told industrial managers, \"We are fifty or a hundred years "
            "behind the advanced countries. We must make good this distance in ten years.\" This "
            "shows that he saw industrialisation as a race for survival.\n\nIn conclusion, the "
            "plans were a success for the state.")
    a = analyse(text)
    opener, rest = sentence_with(a, "In 1931"), sentence_with(a, "We must make good")
    assert a.evidence.sentences[rest.index].part_of == opener.index
    assert rest.index not in a.evidence.evidence and opener.index in a.evidence.explained
    praised = quoted(grade(text), "evidence.strong")
    assert praised.count(opener.text) == 1 and rest.text not in praised


def test_no_comment_quotes_the_inside_of_a_quotation(grade):
    result = grade(essay_file("french-revolution-strong"), question=FRENCH_REVOLUTION)
    inside = ("Everything.", "What has it been until now in the political order?", "Nothing.”")
    assert not [t for i in items(result) for ref in i.sentences for t in [ref.text]
                if t in inside]


# --- 12. a conclusion marker in the last part of a one-paragraph essay ---------------------

def test_to_conclude_in_sentence_27_of_33_is_not_mid_essay(analyse):
    facts = [f"In {1928 + k} the plan added {k + 2} new steel works in region {k + 1}."
             for k in range(26)]
    facts[0] = "Stalin's industrialisation was a success for heavy industry but not for people."
    ending = ["To conclude, the plans built industry quickly at a terrible cost.",
              "Peasants starved while factories grew.", "Wages fell for most workers.",
              "Housing in the new cities was crowded.", "Many workers lived in barracks.",
              "The famine killed millions in Ukraine.", "Stalin never admitted the famine."]
    text = " ".join(facts + ending)
    a = analyse(text)
    assert len(a.scored.sentences) == 33
    assert not any(m.marker == "to conclude" for m in a.structure.misplaced)
    early = " ".join([*facts[:5], ending[0], *facts[5:], *ending[1:]])
    assert any(m.marker == "to conclude" for m in analyse(early).structure.misplaced)


# --- 13. sources are named -------------------------------------------------------------

def test_the_word_historians_is_not_a_source(analyse):
    failed = "Historians have long debated how the country recovered from this terrible slump."
    a = analyse("The Great Depression devastated America in the 1930s. " + failed, NEW_DEAL)
    assert "source" not in a.evidence.sentences[sentence_with(a, failed).index].kinds
    named = analyse("The historian William Leuchtenburg wrote that the New Deal saved "
                    "capitalism.", NEW_DEAL)
    assert "source" in named.evidence.sentences[named.scored.sentences[0].index].kinds


def test_evidence_praise_names_a_source_only_where_one_is_named(grade):
    result = grade(essay_file("new-deal-invented"), question=NEW_DEAL)
    praised = items(result, "evidence.strong")
    assert not any(i.sentences[0].text.startswith("Historians have long debated")
                   for i in praised)
    for item in praised:  # the invented historian is named: facts are not checked
        assert ("a source" in item.message) == item.sentences[0].text.startswith(
            "The historian Julius Caesar wrote")


def test_the_word_count_is_a_plain_count_of_words_between_spaces():
    text = (ESSAYS / "strong.txt").read_text(encoding="utf-8")
    assert prepare_text(text).word_count == len(text.split())


# --- 14. read in the pages after issue 13: topic sentences and dating words -------------------

COLD_WAR = Question.build("Why did the Cold War begin between 1945 and 1949?", period="1945-1949")
WEIMAR = Question.build("Why did the Weimar Republic collapse between 1929 and 1933?",
                        period="1929-1933")
COLD_WAR_ESSAY = (
    "After 1945 the wartime alliance between the USA and the USSR broke down. The Cold War "
    "began mainly because each side feared the other's intentions in Europe.\n\n"
    "The USA and the USSR did not trust each other. Stalin remembered that the West had "
    "delayed the second front until 1944. Truman believed Stalin wanted to spread communism "
    "across Europe. This mistrust meant every action was seen as a threat.\n\n"
    "The Marshall Plan of 1947 made things worse. The USA offered 13 billion dollars to "
    "rebuild Europe. Stalin saw it as dollar imperialism and forbade Eastern Europe to accept "
    "it. This shows that economic aid divided Europe.\n\n"
    "In conclusion, fear and mistrust caused the Cold War.")
WEIMAR_ESSAY = (
    "In the 1920s the Weimar Republic seemed to recover after the crisis of 1923. The Republic "
    "collapsed mainly because the Depression destroyed faith in democracy and gave the Nazis "
    "mass support.\n\n"
    "The Wall Street Crash of 1929 changed this. American banks recalled their loans to "
    "Germany. By 1932 six million Germans were unemployed. Desperate voters turned to "
    "extremist parties that promised work and order.\n\n"
    "Moreover, the constitution itself weakened the Republic. Article 48 let Hindenburg rule "
    "by decree from 1930, so parliament was bypassed. This meant democracy was already hollow "
    "before Hitler became chancellor.\n\n"
    "In conclusion, the Depression was the main cause of the collapse.")


@pytest.mark.parametrize(("text", "question"), [(COLD_WAR_ESSAY, COLD_WAR),
                                                 (WEIMAR_ESSAY, WEIMAR)])
def test_points_that_name_people_or_turn_what_came_before_are_topic_sentences(
        grade, text, question):
    """"The USA and the USSR did not trust each other." and "The Wall Street Crash of 1929
    changed this." were each called "a detail of evidence"."""
    assert quoted(grade(text, question=question), "structure.topic_sentence") == []


def test_a_paragraph_opening_with_a_figure_is_still_a_detail_of_evidence(analyse):
    detail = "In 1932 the Nazis won 37 per cent of the vote."
    text = WEIMAR_ESSAY.replace("The Wall Street Crash of 1929 changed this.", detail)
    a = analyse(text, WEIMAR)
    opening = sentence_with(a, detail)
    topic = next(t for t in a.structure.topic_sentences if t.sentence == opening.index)
    assert topic.problem == "a detail of evidence"


@pytest.mark.parametrize("opening", ["By 1932 six million Germans were unemployed.",
                                     "After 1945 the wartime alliance broke down.",
                                     "During the war the two powers were allies."])
def test_a_date_at_the_start_of_a_sentence_is_not_a_transition(analyse, opening):
    a = analyse("The Depression hit Germany hard. " + opening, WEIMAR)
    assert transition_of(sentence_with(a, opening)) is None


def test_dating_words_that_point_back_are_transitions(analyse):
    linked = "After this, the Nazis became the largest party."
    a = analyse("The Depression hit Germany hard. " + linked, WEIMAR)
    assert transition_of(sentence_with(a, linked)).marker == "after this"


def test_a_comment_held_back_from_students_reaches_teachers_only_whatever_its_measure(
        grade, measured):
    """structure.topic_sentence measures 0.82 on persuasive essays, but was wrong on three of
    four history essays read in the pages: teachers alone see it until it is measured on
    history essays."""
    from models.feedback.precision import HELD_BACK, TEACHERS, measure_of

    measured(trusted=["structure.topic_sentence"])
    assert "structure.topic_sentence" in HELD_BACK
    assert measure_of("structure.topic_sentence").audience == TEACHERS
    detail = "In 1932 the Nazis won 37 per cent of the vote."
    result = grade(WEIMAR_ESSAY.replace("The Wall Street Crash of 1929 changed this.", detail),
                   question=WEIMAR)
    held = items(result, "structure.topic_sentence")
    assert held and all(item.audience == TEACHERS for item in held)


# --- 15. read as a student at the end of issue 14's second session -----------------------------

def test_a_conclusion_that_makes_the_only_claim_is_not_said_to_return_to_it(grade):
    """A weak First World War essay's only claim came in its last paragraph, which was praised
    as "Your conclusion returns to your argument": there was nothing to return to."""
    question = Question.build("How far was the alliance system responsible for the outbreak "
                              "of the First World War in 1914?", period="1914")
    text = (
        "The First World War started in 1914. It was a very big war and lots of people died. "
        "There were many reasons for the war.\n\n"
        "Franz Ferdinand was shot in Sarajevo. He was the heir to the throne of "
        "Austria-Hungary. The man who shot him was Gavrilo Princip. After that Austria-Hungary "
        "declared war on Serbia.\n\n"
        "There were alliances. The Triple Alliance was Germany, Austria-Hungary and Italy. The "
        "Triple Entente was Britain, France and Russia. Countries had to help each other.\n\n"
        "Also there was an arms race. Britain and Germany built lots of ships called "
        "Dreadnoughts. Everyone wanted a bigger army.\n\n"
        "So the alliances were a cause of the war but there were other causes too.")
    result = grade(text, question=question)
    assert not items(result, "structure.conclusion_returns")
    assert not items(result, "structure.conclusion_drifts")
    assert not items(result, "structure.no_conclusion")
    placed = grade(text.replace("There were many reasons for the war.",
                                "The alliances were a cause of the war, but not the only one."),
                   question=question)
    assert items(placed, "structure.conclusion_returns")  # stated first, then returned to


HITLER = Question.build("How far was the Treaty of Versailles responsible for Hitler's rise to "
                        "power?")
WEAK_HITLER = """Hitler came to power because of lots of reasons. The treaty of versailles was \
very unfair and the germans hated it alot. Hitler was a good speaker and people liked him.

The depression was bad and people had no jobs. Hitler said he would fix it. The nazis had the SA \
who beat people up. {also} there was propaganda by Goebbels.

I think the treaty was the most important because it made everyone angry and thats why they \
voted for hitler."""


def test_a_sentence_with_a_slip_is_not_held_up_as_a_good_transition(grade):
    """Found reading a weak essay: "also there was propaganda by Goebbels." was praised for
    its transition while the language comments told the student to capitalise it."""
    slipped = grade(WEAK_HITLER.format(also="also"), question=HITLER)
    assert "also there was propaganda by Goebbels." in quoted(slipped,
                                                             "language.capitalisation")
    assert quoted(slipped, "structure.transitions_good") == []
    written = grade(WEAK_HITLER.format(also="Also"), question=HITLER)
    assert quoted(written, "structure.transitions_good") == [
        "Also there was propaganda by Goebbels."]
