import pytest

from models.errors import EssayInputError
from models.text import MAX_BYTES, decode_bytes, prepare_text, split_paragraphs

ESSAY = "Stalin industrialised the Soviet Union. It cost millions of lives."


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t  \n"])
def test_empty_or_whitespace_text_is_rejected(text):
    with pytest.raises(EssayInputError, match="empty"):
        prepare_text(text, "draft.txt")


def test_text_without_words_is_rejected():
    with pytest.raises(EssayInputError, match="no words"):
        prepare_text("1234 5678 !!! ???")


def test_binary_bytes_are_rejected_with_the_source_named():
    with pytest.raises(EssayInputError, match=r"essay\.docx: this is binary data"):
        decode_bytes(b"PK\x03\x04\x00\x00binary", "essay.docx")


def test_control_characters_mark_text_as_binary():
    with pytest.raises(EssayInputError, match="binary"):
        prepare_text("abc\x01\x02\x03\x04\x05def" * 3)


def test_utf8_with_and_without_bom_decodes():
    assert decode_bytes("Stalin’s plan".encode()) == "Stalin’s plan"
    assert decode_bytes(b"\xef\xbb\xbf" + "Stalin’s plan".encode()) == "Stalin’s plan"


def test_utf16_with_bom_decodes():
    assert decode_bytes("Five-Year Plan".encode("utf-16")) == "Five-Year Plan"


def test_windows_1252_is_the_fallback_for_non_utf8_bytes():
    assert decode_bytes("Stalin’s “plan” café".encode("cp1252")) == "Stalin’s “plan” café"


def test_bytes_no_encoding_explains_are_rejected():
    # 0x81 and 0x8d are undefined in Windows-1252 and invalid as UTF-8 here.
    with pytest.raises(EssayInputError, match="neither UTF-8 nor Windows-1252"):
        decode_bytes(b"essay \x81\x8d text", "odd.txt")


def test_oversized_input_is_rejected_before_decoding():
    with pytest.raises(EssayInputError, match="limit"):
        decode_bytes(b"a" * (MAX_BYTES + 1))


def test_too_many_words_is_rejected_with_the_counts():
    with pytest.raises(EssayInputError, match="101 words; the limit is 100"):
        prepare_text("word " * 101, max_words=100)


def test_elision_marker_is_blanked_without_moving_offsets():
    text = "First part of the essay, as...\n\n... middle of paper ... that ends here."
    prepared = prepare_text(text)
    assert len(prepared.analysis_text) == len(text)
    assert "middle" not in prepared.analysis_text
    assert len(prepared.elisions) == 1
    start = prepared.elisions[0].start
    assert text[start:prepared.elisions[0].end] == "... middle of paper ..."
    assert prepared.analysis_text.index("that ends") == text.index("that ends")
    # The marker is neither a paragraph nor part of one.
    assert all("middle" not in text[p.start:p.end] for p in prepared.paragraphs)
    assert len(prepared.paragraphs) == 2


def test_paragraphs_split_on_blank_lines_or_else_on_line_breaks():
    blank = "One para.\n\nTwo para.\n  \nThree para."
    assert len(split_paragraphs(blank)) == 3
    lines = "One para.\nTwo para.\nThree para."
    spans = split_paragraphs(lines)
    assert [lines[p.start:p.end] for p in spans] == ["One para.", "Two para.", "Three para."]
    assert len(split_paragraphs("Line one\nstill para one.\n\nPara two.")) == 2


def test_word_count_counts_numbers_as_words():
    # As a person counts: "1928" is a word (it was once left out, and a 151-word essay was
    # told it had 146, under the rubric's minimum).
    assert prepare_text(ESSAY + " In 1928 it began.").word_count == 14


QUESTION = ("How far was the Great Depression responsible for the rise of the Nazis to power "
            "by 1933? Explain your answer.")
BODY = ("The Great Depression was the main reason the Nazis rose to power, although the "
        "weakness of the constitution made it possible.\n\nBy 1932 six million Germans were "
        "unemployed, and many blamed the Weimar government.")


@pytest.mark.parametrize("first_line", [
    QUESTION,
    "HOW FAR WAS THE GREAT DEPRESSION RESPONSIBLE FOR THE RISE OF THE NAZIS TO POWER BY 1933",
    "How far was the Great Depression responsible for the rise of the Nazis to power by 1933?",
    "How far was the Depression responsible for the rise of the Nazis to power in 1933?",
    "Question 1: How far was the Great Depression responsible for the rise of the Nazis to "
    "power by 1933?",
])
def test_a_first_line_copying_the_question_is_a_heading_not_the_introduction(first_line):
    prepared = prepare_text(f"{first_line}\n\n{BODY}", question=QUESTION)
    assert prepared.title is not None and prepared.text[prepared.title.start:
                                                       prepared.title.end] == first_line
    assert first_line.split()[0] not in prepared.analysis_text
    assert prepared.word_count == prepare_text(BODY).word_count
    # Without the question it is read as the essay's first sentence, as before.
    assert prepare_text(f"{first_line}\n\n{BODY}").title is None


@pytest.mark.parametrize("first_line", [
    "The Great Depression was responsible for the rise of the Nazis to power by 1933.",
    "Why did so many Germans vote for a party that promised to end democracy?",
    "How far was the Great Depression responsible?",
])
def test_a_first_line_that_answers_or_asks_its_own_question_stays_in_the_essay(first_line):
    prepared = prepare_text(f"{first_line}\n\n{BODY}", question=QUESTION)
    assert prepared.title is None
    assert first_line in prepared.analysis_text


@pytest.mark.parametrize(("question", "first_line"), [
    # The statement a question quotes is the thesis of a student who agrees with it.
    ("'The Great Depression was the main reason the Nazis rose to power.' How far do you "
     "agree?", "The Great Depression was the main reason the Nazis rose to power."),
    # An instruction is no question; a short question differs by the word that matters.
    (QUESTION, "Explain your answer."),
    ("Was the New Deal a success?", "Was the New Deal a failure?"),
])
def test_a_statement_or_another_question_is_not_taken_for_the_question(question, first_line):
    assert prepare_text(f"{first_line}\n\n{BODY}", question=question).title is None
