"""Turning raw input into essay text the engine can analyse.

Decoding, rejection of input that is not an essay, elision markers and paragraph spans all live
here so that every caller (CLI, web, worker) applies the same rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from models.errors import EssayInputError

MAX_WORDS = 20_000
MAX_BYTES = 1_000_000
# What one essay may cost, checked before any model reads it. Characters: 100,000 is about
# 16,000 words of prose, far past any school essay. Pieces (words and marks apart, about what
# spaCy's tokenizer makes of a text): a chain of hyphens or symbols is one "word" but a token
# per character, and the parser's time and memory grow with tokens (100 KB of "a-a-a…" took
# 17 s and 1.7 GB), so a text may have at most PIECES_PER_WORD per word (a short one, whatever
# its marks, up to FEW_PIECES: one real essay in 12,475 has 695 pieces for 50 words), and
# MAX_PIECES in all.
MAX_CHARS = 100_000
PIECES_PER_WORD, FEW_PIECES, MAX_PIECES = 4, 3_000, 30_000
_PIECE = re.compile(r"\w+|[^\w\s]")

# An excerpt marks what it leaves out with "... middle of paper ..." (or "[...]"): the marker is an
# elision, never content, so it is blanked out and splits the text into fragments.
ELISION_PATTERN = re.compile(
    r"(?:\.\.\.|…)\s*middle of (?:the )?(?:paper|essay|text)\s*(?:\.\.\.|…)|\[\s*(?:\.\.\.|…)\s*\]",
    re.IGNORECASE,
)
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE_BREAK = re.compile(r"\n\s*")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# A word as a person counts it: whatever stands between spaces and holds a letter or a digit
# ("1933", "25%" and "Stalin's" are words; a dash standing alone is not).
_COUNTED = re.compile(r"[^\W_]")
_ALLOWED_CONTROL = {"\n", "\r", "\t"}
# A first line this short that does not end as a sentence does ("The New Deal and the
# Depression", "Essay 3: Causes of WW1") is the essay's title: not a paragraph, not the
# introduction, not a sentence to grade.
TITLE_MAX_WORDS = 12
_SENTENCE_END = (".", "!", "?", ";", ":", ",", "…")
_CLOSING_QUOTES = ("”", '"', "’", "'", ")")


@dataclass(frozen=True)
class Paragraph:
    """A paragraph's character span in the essay text."""

    start: int
    end: int


@dataclass(frozen=True)
class PreparedText:
    """Essay text ready for the pipeline.

    ``analysis_text`` has the same length as ``text`` (so offsets agree) with every elision
    marker replaced by a paragraph break and spaces.
    """

    text: str
    analysis_text: str
    paragraphs: tuple[Paragraph, ...]
    elisions: tuple[Paragraph, ...]
    word_count: int  # words as a person counts them, without the title and elision markers
    title: Paragraph | None = None  # a title line, blanked out of ``analysis_text``


def decode_bytes(data: bytes, source: str = "input", max_bytes: int = MAX_BYTES) -> str:
    """Decode uploaded bytes as UTF-8 (with or without BOM) or UTF-16 with BOM, else Windows-1252.

    Raises EssayInputError for binary data and for bytes no text encoding explains. ``max_bytes``
    is one essay's worth by default; a class's csv file passes its own limit.
    """
    if len(data) > max_bytes:
        raise EssayInputError(
            f"{source}: the file is {len(data):,} bytes; the limit is {max_bytes:,} bytes"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise EssayInputError(f"{source}: the UTF-16 text is damaged ({exc.reason})") from exc
    if b"\x00" in data:
        raise EssayInputError(f"{source}: this is binary data, not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1252 is what Word and older school systems write when they do not write UTF-8.
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise EssayInputError(
            f"{source}: the text is neither UTF-8 nor Windows-1252; save it as UTF-8 and try again"
        ) from exc


def _control_share(text: str) -> float:
    controls = sum(
        1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROL
    )
    return controls / max(len(text), 1)


def prepare_text(text: str, source: str = "input", max_words: int = MAX_WORDS,
                 max_chars: int = MAX_CHARS, question: str | None = None) -> PreparedText:
    """Validate essay text and find its paragraphs and elisions (and its title: a first line
    that copies ``question``, the question the essay answers, is one).

    Raises EssayInputError with a one-line reason when the text cannot be graded, its cost
    bounded before anything else reads it (``max_chars``, and the pieces check below).
    """
    if len(text) > max_chars:
        raise EssayInputError(f"{source}: the essay has {len(text):,} characters; the limit is "
                              f"{max_chars:,}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EssayInputError(f"{source}: the essay is empty")
    if "\x00" in text or _control_share(text) > 0.01:
        raise EssayInputError(f"{source}: this is binary data, not text")
    analysis = _blank_elisions(text)
    if not _WORD.search(analysis):
        raise EssayInputError(f"{source}: the essay has no words")
    title = find_title(analysis, question)
    if title is not None:
        analysis = analysis[:title.start] + " " * (title.end - title.start) + analysis[title.end:]
    words = count_words(analysis)
    if words > max_words:
        raise EssayInputError(
            f"{source}: the essay has {words:,} words; the limit is {max_words:,}"
        )
    pieces = sum(1 for _ in _PIECE.finditer(analysis))
    if pieces > min(max(PIECES_PER_WORD * words, FEW_PIECES), MAX_PIECES):
        raise EssayInputError(
            f"{source}: the text breaks into {pieces:,} pieces for {words:,} words (long chains "
            f"of hyphens or symbols); at most {PIECES_PER_WORD} per word and {MAX_PIECES:,} in "
            "all can be graded")
    elisions = tuple(Paragraph(m.start(), m.end()) for m in ELISION_PATTERN.finditer(text))
    return PreparedText(
        text=text,
        analysis_text=analysis,
        paragraphs=split_paragraphs(analysis),
        elisions=elisions,
        word_count=words,
        title=title,
    )


def count_words(text: str) -> int:
    """Words as a person counts them: runs between spaces holding a letter or a digit."""
    return sum(1 for chunk in text.split() if _COUNTED.search(chunk))


def find_title(text: str, question: str | None = None) -> Paragraph | None:
    """The span of a title line: a short first line, not ended as a sentence is, with more of
    the essay after it; or a first line that copies the question the essay answers (students
    often write it out first). None when the first line reads as the essay's first sentence."""
    start = len(text) - len(text.lstrip())
    newline = text.find("\n", start)
    if newline < 0 or not _WORD.search(text[newline:]):
        return None
    line = text[start:newline].rstrip()
    if question is not None and line and copies_question(line, question):
        return Paragraph(start, start + len(line))
    if not line or not _WORD.search(line) or len(line.split()) > TITLE_MAX_WORDS:
        return None
    ending = line.rstrip("".join(_CLOSING_QUOTES))
    if not ending or ending.endswith(_SENTENCE_END) or line[0].islower():
        return None
    return Paragraph(start, start + len(line))


QUESTION_COPY_OVERLAP = 0.8  # share of words a question written out shares with the question
_QUESTION_SENTENCES = re.compile(r"(?<=[.?!])\s+")
_QUESTION_LABEL = re.compile(r"^\s*(?:question|q)\s*\d*\s*[:.)-]\s*", re.IGNORECASE)


def copies_question(line: str, question: str) -> bool:
    """Whether a line is the question written out ("Question 1: …" too): the whole question's
    very words (case and punctuation aside), or one of its questions, word for word or nearly
    ("How far was the Depression responsible for the rise of the Nazis in 1933?"). A statement
    the question quotes ("'The Depression was the main reason.' How far do you agree?"), an
    assertion in its words, or another question ("Was the New Deal a failure?" for "… a
    success?") is the student's own."""
    line = _QUESTION_LABEL.sub("", line)
    words = _WORD.findall(line.lower())
    if not words:
        return False
    if words == _WORD.findall(question.lower()):
        return True
    asks = line.rstrip("".join(_CLOSING_QUOTES)).endswith("?")
    own = set(words)
    for part in _QUESTION_SENTENCES.split(question.strip()):
        if not part.rstrip("".join(_CLOSING_QUOTES)).endswith("?"):
            continue  # a statement the question quotes, or an instruction
        asked = _WORD.findall(part.lower())
        given = set(asked)
        shared = len(own & given)
        # Nearly the question: most of its words, and none of substance it does not have.
        added = [w for w in own - given if len(w) > 3]
        if words == asked or (asks and not added
                              and shared >= QUESTION_COPY_OVERLAP * len(given)):
            return True
    return False


def _blank_elisions(text: str) -> str:
    def blank(match: re.Match[str]) -> str:
        width = match.end() - match.start()
        return ("\n\n" + " " * width)[:width]

    return ELISION_PATTERN.sub(blank, text)


def split_paragraphs(text: str) -> tuple[Paragraph, ...]:
    """Paragraph spans: blank lines separate paragraphs; without any, single line breaks do."""
    separator = _BLANK_LINE if _BLANK_LINE.search(text.strip()) else _LINE_BREAK
    spans: list[Paragraph] = []
    position = 0
    for match in separator.finditer(text):
        _append_trimmed(spans, text, position, match.start())
        position = match.end()
    _append_trimmed(spans, text, position, len(text))
    return tuple(spans)


def _append_trimmed(spans: list[Paragraph], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped and _WORD.search(stripped):
        lead = len(chunk) - len(chunk.lstrip())
        spans.append(Paragraph(start + lead, start + lead + len(stripped)))
