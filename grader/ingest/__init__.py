"""Uploaded files (.txt, .docx, .pdf, .csv, .zip) into essays, with a named problem for the rest.

Pure Python with no web framework: the web app, the worker and the CLI can all call it.
"""

from .limits import IngestLimits
from .report import ExtractedEssay, FileProblem, IngestReport
from .upload import ingest_text, ingest_upload

__all__ = [
    "ExtractedEssay",
    "FileProblem",
    "IngestLimits",
    "IngestReport",
    "ingest_text",
    "ingest_upload",
]
