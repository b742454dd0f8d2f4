"""How much one upload may contain, and the running tally an upload is checked against."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IngestLimits:
    """Limits for one upload; the defaults suit a class set of essays with room to spare."""

    max_file_bytes: int = 5_000_000
    """Per file, and per zip member once uncompressed."""
    max_files: int = 500
    """Essays plus problems per upload (a csv row or a zip member counts as one)."""
    max_total_bytes: int = 50_000_000
    """All files of the upload together, uncompressed."""
    max_compression_ratio: float = 100.0
    """Per zip member, uncompressed size / compressed size."""
    max_csv_rows: int = 2000
    """Data rows read from one csv file."""
    max_docx_xml_bytes: int = 5_000_000
    """A .docx's XML parts together, unpacked: parsing costs about 1 s and 15 MB per MB of XML
    (a 500-page essay has about 2 MB; images are not XML and do not count)."""
    max_pdf_pages: int = 100
    """Pages of one PDF."""
    max_pdf_content_bytes: int = 5_000_000
    """A PDF's page content streams together, decoded and counted once per page (pages may share
    one stream, so a 6 KB file can make the text extractor read 20 MB)."""
    max_document_seconds: float = 10.0
    """Reading one document (a .docx or PDF), where the reader can interrupt it."""
    max_upload_seconds: float = 60.0
    """Reading a whole upload; files not reached by then are named as not read."""
    max_reader_memory_bytes: int = 256_000_000
    """Address space of the process reading an upload in isolation, beyond the files' own size
    (the readers themselves take about 40 MB of it)."""


@dataclass
class Budget:
    """What an upload has used so far of its limits."""

    limits: IngestLimits
    entries: int = 0
    bytes_used: int = 0

    @property
    def entries_left(self) -> int:
        """How many more essays or problems the upload may record before files are refused."""
        return max(self.limits.max_files - self.entries, 0)

    @property
    def bytes_left(self) -> int:
        """How many more uncompressed bytes the upload may read."""
        return max(self.limits.max_total_bytes - self.bytes_used, 0)


def human_size(size: int, *, round_up: bool = False) -> str:
    """Bytes in the units a teacher reads ("812 bytes", "48 KB", "6.2 MB"), decimal units.

    ``round_up`` is for a size being compared with a limit: 5,000,001 bytes reads "5.1 MB", never
    "5 MB", so "5.1 MB; the limit is 5 MB" never looks like a contradiction.
    """
    if size < 1000:
        return f"{size:,} byte" + ("" if size == 1 else "s")
    unit, scale = next(
        ((unit, scale) for unit, scale in _UNITS if size >= scale), ("KB", 1000)
    )
    # Integer arithmetic, so rounding up never trips over a float like 62.00000000000001.
    tenths = -(-size * 10 // scale) if round_up else (size * 10 + scale // 2) // scale
    whole, tenth = divmod(tenths, 10)
    return f"{whole:,}{f'.{tenth}' if tenth else ''} {unit}"


_UNITS = (("GB", 1_000_000_000), ("MB", 1_000_000))
