"""Uploaded files (.txt, .docx, .pdf, .csv, .zip) into essays, with a named problem for the rest.

Pure Python with no web framework: the web app, the worker and the CLI can all call it. The web
app reads uploads with `ingest_isolated`, in a child process bounded in memory and time.
"""

from .isolated import ingest_isolated
from .limits import IngestLimits
from .report import ExtractedEssay, FileProblem, IngestReport
from .upload import ingest_text, ingest_upload

__all__ = [
    "ExtractedEssay",
    "FileProblem",
    "IngestLimits",
    "IngestReport",
    "ingest_isolated",
    "ingest_text",
    "ingest_upload",
]
