"""Text out of one document: plain text, Word .docx or PDF.

Each function returns the document's text or raises IngestError with a one-line message; no
parser's exception or traceback reaches the caller.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator

import docx
from docx.document import Document
from docx.table import Table, _Cell
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PdfReadError

from models.errors import EssayInputError
from models.text import MAX_CHARS, decode_bytes

from .limits import IngestLimits, human_size
from .report import IngestError, without_source

log = logging.getLogger(__name__)

_PDF_ENCRYPTED = "the PDF is encrypted; upload a copy without a password"
_PDF_NO_TEXT = "the PDF has no text layer (it may be a scanned image); upload the text instead"
_PDF_UNREADABLE = "the file could not be read as a PDF (it may be damaged)"
_DOCX_UNREADABLE = (
    "the file could not be read as a Word .docx document "
    "(it may be damaged, or another kind of file renamed to .docx)"
)


def extract_txt(data: bytes, name: str) -> str:
    """Decode a plain-text file (UTF-8, UTF-16 with BOM or Windows-1252)."""
    try:
        return decode_bytes(data, name)
    except EssayInputError as exc:
        raise IngestError(without_source(exc, name)) from exc


def extract_docx(data: bytes, name: str, limits: IngestLimits) -> str:
    """Paragraph and table-cell text of a .docx in document order, joined by blank lines.

    A .docx is itself a zip: its declared unpacked sizes are checked first, all parts against
    the upload's total and the XML parts against what the parser may read, so that a 130 KB
    document cannot make the parser inflate and walk 45 MB of XML. zipfile never inflates a
    member past its declared size, so the declared sizes are a real bound.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise IngestError(_DOCX_UNREADABLE) from exc
    unpacked = sum(info.file_size for info in parts)
    if unpacked > limits.max_total_bytes:
        raise IngestError(
            f"the document unpacks to {human_size(unpacked, round_up=True)}; "
            f"the limit is {human_size(limits.max_total_bytes)}"
        )
    xml = sum(info.file_size for info in parts if info.filename.endswith((".xml", ".rels")))
    if xml > limits.max_docx_xml_bytes:
        raise IngestError(
            f"the document's text and layout unpack to {human_size(xml, round_up=True)}; "
            f"the limit is {human_size(limits.max_docx_xml_bytes)} (save it again, or as .txt)"
        )
    try:
        document = docx.Document(io.BytesIO(data))
        return "\n\n".join(_docx_blocks(document))
    except MemoryError:
        raise
    except Exception as exc:
        # python-docx and lxml raise many unrelated types (KeyError for a missing part, ValueError
        # for a renamed .xlsx, XMLSyntaxError, ...) for hostile or damaged input; every one means
        # "not a readable .docx". Logged so a genuine bug still leaves a trace.
        log.info("cannot read %s as .docx", name, exc_info=True)
        raise IngestError(_DOCX_UNREADABLE) from exc


def _docx_blocks(container: Document | _Cell) -> Iterator[str]:
    """Non-empty paragraph texts of a document or table cell, descending into tables."""
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            # A merged cell is returned once per grid column (and per row) it spans; its text
            # belongs in the essay once. The XML elements themselves are kept, not their id():
            # lxml may hand out a new proxy, with a recycled id, once the old one is dropped.
            seen: set[object] = set()
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc in seen:
                        continue
                    seen.add(cell._tc)
                    yield from _docx_blocks(cell)
        elif text := block.text.strip():
            yield text


def extract_pdf(data: bytes, name: str, limits: IngestLimits) -> str:
    """Text of every page of a PDF, pages joined by blank lines.

    An encrypted PDF is opened with the empty password when it allows that (a PDF that only
    restricts printing or copying); otherwise it is refused. The pages and the content they
    make the extractor read are counted before each page is read; reading stops once the text is
    longer than any essay may be.
    """
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_with_empty_password(reader):
            raise IngestError(_PDF_ENCRYPTED)
        if len(reader.pages) > limits.max_pdf_pages:
            raise IngestError(f"the PDF has {len(reader.pages):,} pages; "
                              f"the limit is {limits.max_pdf_pages}")
        pages: list[str] = []
        content_bytes = characters = 0
        for page in reader.pages:
            contents = page.get_contents()
            content_bytes += len(contents.get_data()) if contents is not None else 0
            if content_bytes > limits.max_pdf_content_bytes:
                raise IngestError(
                    f"the PDF's pages hold more than {human_size(limits.max_pdf_content_bytes)} "
                    "of page content to read; upload its text as .txt or .docx instead"
                )
            pages.append((page.extract_text() or "").strip())
            characters += len(pages[-1])
            if characters > MAX_CHARS:
                raise IngestError(f"the PDF holds more than {MAX_CHARS:,} characters of text; "
                                  "that is the limit for one essay")
    except (IngestError, MemoryError):
        raise
    except Exception as exc:
        # pypdf raises PdfReadError, PdfStreamError, LimitReachedError, but also KeyError,
        # TypeError, RecursionError ... on damaged files; all mean "not a readable PDF".
        log.info("cannot read %s as PDF", name, exc_info=True)
        raise IngestError(_PDF_UNREADABLE) from exc
    text = "\n\n".join(page for page in pages if page)
    if not text:
        raise IngestError(_PDF_NO_TEXT)
    return text


def _opens_with_empty_password(reader: PdfReader) -> bool:
    try:
        return reader.decrypt("") is not PasswordType.NOT_DECRYPTED
    except (DependencyError, PdfReadError, NotImplementedError):
        # DependencyError: AES needs the optional `cryptography` package. Either way the text is
        # out of reach, which the teacher fixes the same way: upload an unprotected copy.
        return False
