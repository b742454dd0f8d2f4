"""The engine's faster forms (issue 17) compute exactly what their plain definitions do: a speed
change must not move a score. (bench/engine_output.py checks whole results on dev essays; these
check each piece on inputs built to reach its edges.)"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import asdict, fields
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from models.argument.features import (
    COLUMNS,
    EXAMPLE_PHRASES,
    NUMERIC,
    OPINION_PHRASES,
    RELATIVE,
    SentenceFeatures,
    _centralities,
    _jaccard,
    _shared,
    _with_relative,
    sentence_features,
)
from models.argument.model import load_model
from models.document import Sentence, build_essay
from models.features.known_names import _finder, things_named
from models.features.language import _MATTR_WINDOW, _mattr
from models.features.lexicon import (
    ANALYSIS_PHRASES,
    ANNOUNCEMENT_PHRASES,
    INFORMAL_PHRASES,
    SOURCE_PHRASES,
    STANCE_PHRASES,
    phrase_finder,
)
from models.features.structure import _LINKING_PHRASES, _coherence, first_clause, similarity_matrix
from models.text import prepare_text

ROOT = Path(__file__).resolve().parents[1]


def plain_mattr(words: list[str]) -> float:
    """Distinct words in each window of _MATTR_WINDOW words, averaged over the windows."""
    if len(words) <= _MATTR_WINDOW:
        return len(set(words)) / len(words) if words else 0.0
    distinct = [len(Counter(words[k:k + _MATTR_WINDOW]))
                for k in range(len(words) - _MATTR_WINDOW + 1)]
    return float(np.mean(distinct)) / _MATTR_WINDOW


@pytest.mark.parametrize("vocabulary", [1, 3, 40, 500, 10_000])
def test_moving_type_token_ratio_equals_counting_every_window(vocabulary):
    rng = random.Random(vocabulary)
    for length in (0, 1, 49, 50, 51, 52, 120, 700):
        words = [f"w{rng.randrange(vocabulary)}" for _ in range(length)]
        assert _mattr(words) == plain_mattr(words), length
    # A word leaving the window as the same word enters it leaves the count unchanged.
    cycle = [f"w{k % _MATTR_WINDOW}" for k in range(3 * _MATTR_WINDOW)]
    assert _mattr(cycle) == plain_mattr(cycle) == 1.0


def plain_centralities(sets: list[frozenset[str]]) -> list[float]:
    """Each set's mean Jaccard overlap with the others, as its definition reads."""
    out = []
    for k, own in enumerate(sets):
        others = sets[:k] + sets[k + 1:]
        out.append(sum(len(own & o) / max(1, len(own | o)) for o in others) / len(others)
                   if others else 0.0)
    return out


def test_centrality_is_the_mean_jaccard_overlap_with_the_other_sentences():
    rng = random.Random(7)
    for size in (0, 1, 2, 5, 30):
        sets = [frozenset(f"l{rng.randrange(12)}" for _ in range(rng.randrange(0, 8)))
                for _ in range(size)]
        jaccard = _jaccard(_shared(sets))
        assert _centralities(jaccard, range(size)) == plain_centralities(sets)
        # A section of the essay: its sentences' overlaps with each other only, whether they
        # follow one another or not.
        assert _centralities(jaccard, range(1, size)) == plain_centralities(sets[1:])
        rows = [k for k in range(size) if k % 3 != 1]
        assert _centralities(jaccard, rows) == plain_centralities([sets[k] for k in rows])


def test_similarity_matrix_is_the_cosine_of_stem_vectors_to_the_last_bit():
    rng = random.Random(11)
    for size in (1, 2, 7, 40):
        sentences = [SimpleNamespace(stems=frozenset(f"s{rng.randrange(30)}"
                                                     for _ in range(rng.randrange(0, 12))))
                     for _ in range(size)]
        vocabulary: dict[str, int] = {}
        matrix = np.zeros((size, 30), dtype=np.float32)
        for row, sentence in enumerate(sentences):
            for stem in sorted(sentence.stems):
                matrix[row, vocabulary.setdefault(stem, len(vocabulary))] = 1.0
        matrix = matrix[:, :max(len(vocabulary), 1)]
        norms = np.linalg.norm(matrix, axis=1)
        norms[norms == 0] = 1.0
        unit = matrix / norms[:, None]
        assert similarity_matrix(sentences).tobytes() == (unit @ unit.T).tobytes()


def test_relative_features_equal_plain_sums_over_each_section_to_the_last_bit():
    rng = random.Random(3)
    sizes = [3, 25, 1, 9, 2]
    rows = [[rng.choice([0.0, 1.0, rng.random() * 3]) for _ in NUMERIC] for _ in range(sum(sizes))]
    # Columns first, as numpy lays out a matrix built column by column.
    out = _with_relative(np.asfortranarray(np.array(rows)), sizes).tolist()
    start = 0
    for size in sizes:
        section = rows[start:start + size]
        for name in RELATIVE:
            values = [row[NUMERIC.index(name)] for row in section]
            mean, top = sum(values) / len(values), max(values)
            for k, value in enumerate(values):
                assert out[start + k][COLUMNS.index(f"relative_{name}")] == value - mean
                assert out[start + k][COLUMNS.index(f"highest_{name}")] == float(
                    value == top and size > 1)
        start += size


def test_sentences_are_the_parsers_sentences(nlp, essays):
    texts = [*essays.values(), "One.\n\n\n   Two words here!  \n\n", "No stop at all"]
    for text in texts:
        prepared = prepare_text(text)
        doc = nlp(prepared.analysis_text)
        essay = build_essay(prepared, doc)
        expected = []
        for span in doc.sents:
            tokens = [t for t in span if not t.is_space]
            if any(t.is_alpha for t in tokens):
                expected.append((tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)))
        assert [(s.start, s.end) for s in essay.sentences] == expected


PRIMED = ("spoken_tokens", "token_lowers", "token_lemmas", "words", "n_words", "lemmas",
          "content_lemmas", "lower_text", "opening_words", "has_finite_verb",
          "has_subordinate_clause", "has_number", "n_proper", "n_verbs", "n_past")


def test_sentence_properties_read_off_the_docs_columns_equal_those_read_token_by_token(
        nlp, essays):
    texts = [*essays.values(), "One.\n\n\n   Two words here!  \n\n", "It's 1928 — (really)?",
             "First paragraph ends here.\n\nA second one, with a list: coal, steel; oil."]
    checked = 0
    seen: dict[str, set] = {name: set() for name in PRIMED}
    for text in texts:
        prepared = prepare_text(text)
        essay = build_essay(prepared, nlp(prepared.analysis_text))
        for primed in essay.sentences:
            plain = Sentence(primed.index, primed.paragraph, primed.start, primed.end,
                             primed.text, primed.tokens)
            assert all(name not in plain.__dict__ for name in PRIMED)
            for name in PRIMED:
                assert primed.__dict__[name] == getattr(plain, name), (name, primed.text)
                seen[name].add(primed.__dict__[name])
            checked += 1
    assert checked > 50
    assert all(len(values) >= 2 for values in seen.values())  # each flag seen both ways


def test_a_doc_of_another_text_is_refused(nlp):
    prepared = prepare_text("The Five-Year Plans raised output. Millions starved.")
    with pytest.raises(ValueError, match="not parsed from this text"):
        build_essay(prepared, nlp("A different and much longer text than the one prepared."))


def test_a_doc_without_sentence_boundaries_is_refused(nlp):
    text = "The Five-Year Plans raised output. Millions starved."
    with pytest.raises(ValueError, match="no sentence boundaries"):
        build_essay(prepare_text(text), nlp.make_doc(text))


def test_argument_probabilities_equal_each_roles_logistic_regression(analyse, essays):
    model = load_model()
    analysis = analyse(essays["exemplar"])
    features = sentence_features(analysis.scored, analysis.topic)
    rows = features.rows()
    together = model.probabilities(features)
    assert len(together) == len(rows) == len(analysis.scored.sentences)
    for row, scored in zip(rows, together, strict=True):
        for label, role in model.roles.items():  # one role, feature by feature, by name
            assert scored[label] == pytest.approx(role.probability(row), abs=1e-12)
    # Named values read back into columns and indicators score the same.
    assert model.probabilities(SentenceFeatures.from_rows(rows)) == together


def test_a_results_document_is_what_dataclasses_asdict_makes_of_it(grade, essays):
    result = grade(essays["strong"])
    document = result.to_dict()
    assert result.criteria and result.sentences and any(c.feedback for c in result.criteria)
    assert document["criteria"] == [asdict(c) for c in result.criteria]
    assert document["flags"] == [asdict(f) for f in result.flags]
    assert document["sentences"] == [asdict(s) for s in result.sentences]
    assert document["question"]["key_terms"] == [asdict(t) for t in result.question.key_terms]
    # The same types too (asdict keeps tuples as tuples), and nothing shared that may change.
    assert repr(document["criteria"]) == repr([asdict(c) for c in result.criteria])
    assert document["criteria"][0]["components"] is not result.criteria[0].components


def plain_phrase_finder(phrases) -> re.Pattern[str]:
    """Every phrase as one alternative, tried in turn at each space."""
    return re.compile(" (?:" + "|".join(re.escape(p) for p in phrases) + ") ")


@pytest.mark.parametrize("phrases", [
    SOURCE_PHRASES, ANALYSIS_PHRASES, EXAMPLE_PHRASES, OPINION_PHRASES, STANCE_PHRASES,
    ANNOUNCEMENT_PHRASES, INFORMAL_PHRASES, _LINKING_PHRASES,
    ("in my", "in my view", "in", "e.g.", "for example", "for instance")])
def test_a_phrase_finder_matches_where_the_plain_alternation_does(phrases):
    fast, plain = phrase_finder(phrases), plain_phrase_finder(phrases)
    words = [*sorted({w for p in phrases for w in p.split()}), "the", "war", "my", "."]
    texts = [f" {p} " for p in phrases] + [f" x{p} " for p in phrases] + \
        [f" {p[:-1]} " for p in phrases] + [f" the {p}s and {p} " for p in phrases]
    rng = random.Random(0)
    texts += [" " + " ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) + " "
              for _ in range(3000)]
    found = [bool(fast.search(t)) for t in texts]
    assert found == [bool(plain.search(t)) for t in texts]
    assert any(found) and not all(found)


def plain_first_clause(tokens):
    root = next((k for k, t in enumerate(tokens) if t.dep == "ROOT"), None)
    if root is None:
        return tokens[:8]
    end = next((k for k in range(root + 1, len(tokens))
                if tokens[k].text in {",", ";", ":", "—", "–"}
                or tokens[k].pos in {"CCONJ", "SCONJ"}), len(tokens))
    return tokens[:end]


def test_a_sentences_first_clause_is_its_plain_definition(nlp, essays):
    lengths = set()
    for text in essays.values():
        prepared = prepare_text(text)
        for sentence in build_essay(prepared, nlp(prepared.analysis_text)).sentences:
            for tokens in (sentence.spoken_tokens, list(sentence.tokens[1:])):
                clause = first_clause(tokens)
                assert clause == plain_first_clause(tokens)
                lengths.add(len(clause) == len(tokens))
    assert lengths == {True, False}


def plain_coherence(similarity: np.ndarray, paragraph_of: list[int]) -> float:
    n = similarity.shape[0]
    if n < 4:
        return 0.5
    rows, cols = np.triu_indices(n, k=1)
    labels = np.asarray(paragraph_of)
    same = labels[rows] == labels[cols]
    if len(set(paragraph_of)) >= 2 and same.any() and (~same).any():
        inside = float(similarity[rows[same], cols[same]].mean())
        across = float(similarity[rows[~same], cols[~same]].mean())
        return float(np.clip((inside - across) / 0.06, 0.0, 1.0))
    adjacent = float(np.mean(np.diag(similarity, k=1)))
    far = similarity[np.triu_indices(n, k=2)]
    baseline = float(np.mean(far)) if far.size else 0.0
    return float(np.clip(0.5 + (adjacent - baseline) / 0.16, 0.0, 1.0))


def test_coherence_equals_its_plain_definition_with_numpys_indices_and_clip():
    rng = np.random.default_rng(0)
    values = set()
    for _ in range(400):
        n = int(rng.integers(1, 30))
        similarity = (rng.random((n, n)) ** 3).astype(np.float32)
        paragraphs = sorted(rng.integers(0, int(rng.integers(1, 5)), size=n).tolist())
        value = _coherence(similarity, paragraphs)
        assert value == plain_coherence(similarity, paragraphs)
        values.add(0.0 < value < 1.0 if value != 0.5 else None)
    assert values >= {True, False}  # clipped and not


def test_a_sentences_fingerprint_is_its_text_with_every_other_character_run_one_space():
    rng = random.Random(0)
    characters = "abcXYZ019 \t\n.,;'’“”-éüß@#İ"
    for _ in range(20000):
        text = "".join(rng.choice(characters) for _ in range(rng.randint(0, 20)))
        sentence = Sentence(0, 0, 0, len(text), text, ())
        assert sentence.fingerprint == re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def test_things_named_are_those_the_plain_longest_first_alternation_finds():
    _, thing = _finder()
    plain = re.compile("(?<= )(?:" + "|".join(
        re.escape(f) for f in sorted(thing, key=lambda f: (-len(f), f))) + ")(?= )")
    rng = random.Random(0)
    words = [*thing, "the", "and", "of", "soviets", "us", "union", "states"]
    texts = [" " + " ".join(rng.choice(words) for _ in range(rng.randint(1, 8))) + " "
             for _ in range(5000)]
    found = [things_named(t) for t in texts]
    assert found == [frozenset(thing[m.group()] for m in plain.finditer(t)) for t in texts]
    assert any(len(f) >= 2 for f in found) and not all(found)


def test_a_memo_computes_each_result_once_and_starts_afresh_when_full():
    from models.memo import Memo

    calls: list[str] = []

    def shout(word: str) -> str:
        calls.append(word)
        return word.upper()

    memo = Memo(shout, limit=3)
    assert list(map(memo.__getitem__, ["a", "b", "a", "c", "b"])) == ["A", "B", "A", "C", "B"]
    assert calls == ["a", "b", "c"]  # each computed once
    assert memo["d"] == "D" and len(memo) == 1  # full at three: started afresh
    assert memo["a"] == "A" and calls == ["a", "b", "c", "d", "a"]


def test_with_audience_keeps_every_other_field_of_the_comment():
    from models.feedback.precision import measure_of, with_audience
    from models.result import FeedbackItem, SentenceRef

    values = {f.name: f"value of {f.name}" for f in fields(FeedbackItem)}
    values["sentences"] = (SentenceRef(3, 10, 40, "A sentence."),)
    values["code"] = "structure.transitions_good"
    item = FeedbackItem(**values)
    measure = measure_of(item.code)
    assert asdict(with_audience(item)) == {**asdict(item), "audience": measure.audience,
                                           "precision": measure.precision}


def test_words_one_edit_away_are_the_librarys_edits_that_are_on_the_list():
    from models.features import spelling

    spell = spelling.checker()
    listed = spell.word_frequency.dictionary
    rng = random.Random(0)
    words = sorted(listed)
    accented = [w for w in words if not w.isascii()]
    letters = "abcdefghijklmnopqrstuvwxyz'éèçñüà"

    def misspelt(word: str) -> str:
        k, how = rng.randrange(len(word) + 1), rng.random()
        if how < 0.3 and len(word) > 1:
            return word[:k] + word[k + 1:]
        if how < 0.6:
            return word[:k] + rng.choice(letters) + word[k:]
        return word[:k] + rng.choice(letters) + word[k + 1:]

    plain_forms = [w.encode("ascii", "ignore").decode() for w in accented]
    tried = [misspelt(rng.choice(words)) for _ in range(5000)] + plain_forms + [
        misspelt(w) for w in plain_forms if w] + [
        "cafe", "naive", "", "a", "x" * 60, "Cafe", "don't", "1990s", "nan", "3.5"]
    found = [spelling._words_one_edit_away(w) for w in tried]
    assert found == [spell.edit_distance_1(w) & listed.keys() for w in tried]
    # The lookup by shape is reached: plain words with accented neighbours ("cafe": "café").
    assert sum(1 for f in found if any(not w.isascii() for w in f)) > 50
