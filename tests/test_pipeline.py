"""The pipeline's own attribute_ruler and lemmatizer, replaced by one component that runs them
once per distinct (word, tag, dependency) (issue 17): every token must come out exactly as the
two components would have set it."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from models.components.token_attributes import FACTORY_NAME as ATTRIBUTES
from models.pipeline import model_name
from models.text import prepare_text
from tests.planted import planted_set

ROOT = Path(__file__).resolve().parents[1]
TRICKY = [
    # The ruler's patterns that span two tokens, and its rules on dependencies and spaces.
    "There is no doubt, and there were many reasons. Y'all know it ain't over; we're gonna "
    "win, let's go, c'mon! I gotta say it was him, but he did it for me.",
    "Stalin's plans    worked.\n\n\nBut the peasants starved.\n   \nThat   is what I think  ",
    "Whether or not the Tsar fell because of the war, the Bolsheviks seized power in 1917 "
    "- and the Provisional Government, which had promised land, did nothing.",
]


def _texts() -> list[str]:
    paths = sorted((ROOT / "tests" / "essays").rglob("*.txt")) + \
        sorted((ROOT / "rubrics" / "exemplars").glob("*.txt"))
    planted, _ = planted_set(40)
    return [prepare_text(path.read_text(encoding="utf-8")).analysis_text for path in paths] \
        + planted + TRICKY


def _attributes(doc) -> list[tuple[str, ...]]:
    return [(t.text, t.tag_, t.dep_, t.pos_, str(t.morph), t.lemma_, str(t.is_sent_start))
            for t in doc]


@pytest.fixture(scope="module")
def reference():
    """The pipeline as the model package ships it (less NER), with Grader's paragraph breaks."""
    original = spacy.load(model_name(), exclude=["ner", "senter"])
    original.add_pipe("grader_paragraph_breaks", before="parser")
    return original


def test_the_pipeline_reads_attributes_with_one_component_in_place_of_two(nlp):
    assert ATTRIBUTES in nlp.pipe_names
    assert "attribute_ruler" not in nlp.pipe_names and "lemmatizer" not in nlp.pipe_names


def test_every_token_has_the_attributes_the_ruler_and_lemmatizer_give_it(nlp, reference):
    texts = _texts()
    assert len(texts) > 50
    expected = [_attributes(doc) for doc in reference.pipe(texts)]
    # Twice: the first pass fills the component's cache, the second reads it.
    for _ in range(2):
        got = [_attributes(doc) for doc in nlp.pipe(texts)]
        assert got == expected


def test_a_pattern_spanning_two_tokens_is_applied_in_place(nlp):
    doc = nlp("There is a reason. We are gonna win. Let's see.")
    by_text = {t.text: t for t in doc}
    assert by_text["is"].pos_ == "VERB"  # "there is": the ruler's expletive pattern
    assert (by_text["gon"].lemma_, by_text["na"].lemma_) == ("go", "to")
    assert by_text["'s"].lemma_ == "us"
