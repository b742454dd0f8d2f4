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

# An excerpt marks what it leaves out with "... middle of paper ..." (or "[...]"): the marker is an
# elision, never content, so it is blanked out and splits the text into fragments.
ELISION_PATTERN = re.compile(
    r"(?:\.\.\.|…)\s*middle of (?:the )?(?:paper|essay|text)\s*(?:\.\.\.|…)|\[\s*(?:\.\.\.|…)\s*\]",
    re.IGNORECASE,
)
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE_BREAK = re.compile(r"\n\s*")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_ALLOWED_CONTROL = {"\n", "\r", "\t"}


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
    word_count: int


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


def prepare_text(text: str, source: str = "input", max_words: int = MAX_WORDS) -> PreparedText:
    """Validate essay text and find its paragraphs and elisions.

    Raises EssayInputError with a one-line reason when the text cannot be graded.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EssayInputError(f"{source}: the essay is empty")
    if "\x00" in text or _control_share(text) > 0.01:
        raise EssayInputError(f"{source}: this is binary data, not text")
    analysis = _blank_elisions(text)
    words = _WORD.findall(analysis)
    if not words:
        raise EssayInputError(f"{source}: the essay has no words")
    if len(words) > max_words:
        raise EssayInputError(
            f"{source}: the essay has {len(words):,} words; the limit is {max_words:,}"
        )
    elisions = tuple(Paragraph(m.start(), m.end()) for m in ELISION_PATTERN.finditer(text))
    return PreparedText(
        text=text,
        analysis_text=analysis,
        paragraphs=split_paragraphs(analysis),
        elisions=elisions,
        word_count=len(words),
    )


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
