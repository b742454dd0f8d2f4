"""Feature families on short essays written for the tests."""

from models.features import spelling
from models.features.language import syllables
from models.features.thesis import THESIS_THRESHOLD, score_candidate

ONE_BLOCK_NOTE = "joined into a single paragraph"


def one_block(text: str) -> str:
    return " ".join(p.strip() for p in text.split("\n\n") if p.strip())


# --- thesis ---------------------------------------------------------------------------------

def test_clear_thesis_is_found_in_the_introduction(analyse, essays):
    a = analyse(essays["strong"])
    assert a.thesis.found and a.thesis.in_introduction
    thesis = a.essay.sentence(a.thesis.thesis)
    assert "largely successful" in thesis.text
    assert essays["strong"][thesis.start:thesis.end] == thesis.text


def test_narrative_without_a_position_has_no_thesis(analyse, essays):
    a = analyse(essays["narrative"])
    assert not a.thesis.found
    assert a.thesis.best is not None and a.thesis.best.score < 0.5


def test_announcement_is_not_a_thesis(analyse):
    text = ("In this essay I will talk about Stalin and the Five-Year Plans in the Soviet Union. "
            "Stalin came to power after Lenin died in 1924.\n\nThe plans started in 1928.")
    a = analyse(text)
    first = score_candidate(a.essay.sentences[0], a.topic, 0.0)
    assert first.announcement and first.score < THESIS_THRESHOLD
    assert not a.thesis.found


# --- evidence -------------------------------------------------------------------------------

def test_quoted_dated_and_numeric_evidence_is_recognised(analyse, essays):
    a = analyse(essays["strong"])
    kinds = set(a.evidence.kinds_used)
    assert {"quotation", "date", "figure", "name", "source"} <= kinds
    coal = next(s for s in a.essay.sentences if "coal production" in s.text)
    mark = a.evidence.sentences[coal.index]
    assert mark.is_evidence and {"date", "figure", "source"} <= set(mark.kinds)
    assert "1928" in mark.items
    assert coal.index in a.evidence.explained  # "This shows that ..." follows it


def test_bare_opinion_has_no_evidence_and_unsupported_claims(analyse, essays):
    a = analyse(essays["opinion"])
    assert a.evidence.evidence == ()
    # Its body paragraph's point has nothing but more assertions around it.
    assert len(a.evidence.unsupported) == 1
    point = a.essay.sentence(a.evidence.unsupported[0])
    assert point.paragraph == 1 and a.argument.role(point.index) == "claim"


def test_scare_quotes_are_not_quotations(analyse):
    a = analyse("The “rich” peasants were called kulaks by the state in 1929.")
    assert a.evidence.quotations == ()


def test_quotation_spanning_sentences_is_attributed_where_it_opens(analyse, essays):
    a = analyse(essays["exemplar"])
    assert a.evidence.unattributed_quotes == ()
    assert len(a.evidence.quotations) == 2


def test_unexplained_evidence_is_found(analyse):
    text = ("Stalin's plans were a success because they built heavy industry quickly.\n\n"
            "In 1932 steel output reached 5.9 million tons. The Moscow metro opened in 1935.\n\n"
            "Overall the plans were a success for the Soviet Union.")
    a = analyse(text)
    steel = next(s for s in a.scored.sentences if "steel" in s.text)
    assert steel.index in a.evidence.unexplained


def test_key_term_coverage(analyse, essays):
    a = analyse(essays["strong"])
    assert {"Stalin", "Five-Year Plan", "collectivisation", "kulaks", "Gosplan"} <= set(
        a.evidence.key_terms_used)
    off = analyse(essays["off_topic"])
    assert off.evidence.key_terms_used == ()


# --- structure ------------------------------------------------------------------------------

def test_well_paragraphed_essay_structure(analyse, essays):
    a = analyse(essays["strong"])
    s = a.structure
    assert s.paragraph_count == 5
    assert s.introduction_has_thesis
    assert s.conclusion_returns and s.conclusion_marker
    assert {t.marker for t in s.transitions} >= {"moreover", "however", "in conclusion"}
    assert len({t.kind for t in s.transitions}) >= 3
    assert s.split_points == ()


def test_one_block_essay_gets_split_points_and_is_judged_by_its_closing(analyse, essays):
    a = analyse(one_block(essays["strong"]))
    s = a.structure
    assert s.paragraph_count == 1
    assert s.conclusion_paragraph is None
    assert 1 <= len(s.split_points) <= 3
    # Its last sentences still conclude ("In conclusion", back to the thesis)...
    assert s.closing_marker and s.closing_credit == 1.0
    assert s.closing[-1] == a.scored.sentences[-1].index
    # ...but losing every paragraph costs much of the structure score.
    assert a.raw["structure"].value < analyse(essays["strong"]).raw["structure"].value - 0.2


def test_shuffling_a_one_block_essay_lowers_its_structure(analyse, essays):
    import random

    text = one_block(essays["strong"])
    sentences = [s.text for s in analyse(text).scored.sentences]
    rng = random.Random(4)
    lower = 0
    for _ in range(5):
        order = sentences[:]
        rng.shuffle(order)
        lower += analyse(" ".join(order)).raw["structure"].value < analyse(text).raw[
            "structure"].value
    assert lower == 5


def test_ordinal_signposts_out_of_order_are_misplaced(analyse):
    text = ("Stalin's industrialisation was a success for heavy industry but a disaster for "
            "peasants. Secondly, the plans set impossible targets for every factory. Firstly, "
            "steel output tripled between 1928 and 1932 according to Soviet figures. Finally, "
            "millions died in the famine that collectivisation caused in Ukraine. The human "
            "cost was enormous. In conclusion, the plans succeeded only for heavy industry.")
    misplaced = analyse(text).structure.misplaced
    assert [(m.marker, "runs backwards" in m.where) for m in misplaced] == [("firstly", True)]


def test_conclusion_marker_in_the_middle_is_misplaced(analyse, essays):
    paragraphs = essays["strong"].split("\n\n")
    moved = "\n\n".join([paragraphs[0], paragraphs[4], *paragraphs[1:4]])
    a = analyse(moved)
    assert any(m.marker == "in conclusion" for m in a.structure.misplaced)


def test_excerpt_is_not_blamed_for_a_missing_conclusion(analyse, essays):
    a = analyse(essays["exemplar"])
    assert a.essay.elided
    assert a.structure.conclusion_paragraph is None
    assert a.raw["structure"].components["conclusion"] == 0.5
    # The elision is no sentence of the essay.
    assert all("middle of paper" not in s.text for s in a.essay.sentences)
    assert sum(s.truncated for s in a.essay.sentences) == 2


# --- language -------------------------------------------------------------------------------

def test_misspellings_are_found_with_deterministic_suggestions(analyse, engine):
    text = ("The goverment recieved the new factorys in 1930, and the industrialisation of the "
            "country continued.")
    a = analyse(text)
    assert {m.word for m in a.language.misspellings} == {"goverment", "recieved", "factorys"}
    start = next(m.start for m in a.language.misspellings if m.word == "goverment")
    assert text[start:start + 9] == "goverment"
    assert spelling.suggestion("goverment") == "government"
    assert spelling.suggestion("recieved") == "received"
    item = next(i for c in engine.grade(text).criteria for i in c.feedback
                if i.code == "language.spelling")
    assert "“goverment”" in item.message and "“government”" in item.next_step


def test_british_spelling_and_proper_names_are_not_errors(analyse):
    a = analyse("The modernisation and collectivisation of agriculture in Magnitogorsk and "
                "Kharkov was organised by Gosplan, and the colour of the flags was red.")
    assert a.language.misspellings == ()


def test_long_sentences_and_fragments(analyse, essays):
    a = analyse(essays["exemplar"])
    assert a.language.long_sentences  # the exemplar has sentences of 55+ words
    b = analyse("Stalin built factories in the Urals. Huge new steel works and dams. "
                "They changed the country.")
    fragment = b.essay.sentence(b.language.fragments[0])
    assert fragment.text.startswith("Huge new steel works")


def test_syllable_counter():
    assert [syllables(w) for w in ("plan", "factory", "history", "made")] == [1, 3, 3,
                                                                                        1]


def test_a_conclusion_marker_in_the_second_of_two_paragraphs_is_not_misplaced(analyse):
    text = ("Stalin's industrialisation was a success for heavy industry but a disaster for "
            "peasants, because growth came at a terrible human cost.\n\n"
            "In conclusion, the plans transformed the Soviet economy in a decade. Steel output "
            "tripled between 1928 and 1932 according to Soviet figures. New cities such as "
            "Magnitogorsk rose from nothing on the steppe. Yet millions died in the famine of "
            "1932 that collectivisation caused. The success was real but its price was too high.")
    s = analyse(text).structure
    assert s.misplaced == ()
    assert s.closing_marker
