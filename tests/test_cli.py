"""The command line end to end: in-process for speed, one real subprocess for stdin."""

import json
import subprocess
import sys

import pytest

from grader.cli import main
from tests.conftest import ESSAYS, ROOT

STRONG = str(ESSAYS / "strong.txt")


def test_grade_prints_levels_descriptors_and_quoted_feedback(capsys):
    assert main(["grade", STRONG]) == 0
    out = capsys.readouterr().out
    assert "strong.txt" in out and "Overall:" in out
    for name in ("Thesis:", "Evidence and analysis:", "Structure and organisation:",
                 "Language and conventions:"):
        assert name in out
    assert "“When Stalin launched" in out or "largely successful" in out
    assert "->" in out


def test_grade_json_is_a_stable_document_for_many_files(capsys):
    files = [STRONG, str(ESSAYS / "opinion.txt")]
    assert main(["grade", "--format", "json", *files]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema_version"] == 2
    assert [r["source"] for r in document["results"]] == files
    assert document["errors"] == []
    strong, opinion = document["results"]
    assert strong["overall"]["score"] > opinion["overall"]["score"]
    item = strong["criteria"][0]["feedback"][0]
    text = (ESSAYS / "strong.txt").read_text(encoding="utf-8")
    ref = item["sentences"][0]
    assert text[ref["start"]:ref["end"]] == ref["text"]


NEW_DEAL = "How far did the New Deal (1933-1939) end the Great Depression?"
ON_NEW_DEAL = str(ESSAYS / "questions" / "new-deal-strong.txt")


def test_grade_against_a_question_of_ones_own(capsys, tmp_path):
    assert main(["grade", ON_NEW_DEAL, "--question", NEW_DEAL, "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)["results"][0]
    assert result["question"]["text"] == NEW_DEAL
    assert result["question"]["period"] == "1933–1939"
    assert [t["term"] for t in result["question"]["key_terms"]] == ["New Deal",
                                                                    "Great Depression"]
    assert "off_topic" not in [f["code"] for f in result["flags"]]
    assert "stalin" not in json.dumps(result).lower()
    # The same essay against another question: off topic, with one plain comment.
    other = tmp_path / "question.txt"
    other.write_text("Why did the Roman Republic collapse in the first century BC?\n",
                     encoding="utf-8")
    assert main(["grade", ON_NEW_DEAL, "--question-file", str(other), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)["results"][0]
    assert "off_topic" in [f["code"] for f in result["flags"]]
    comments = [i for c in result["criteria"] for i in c["feedback"]]
    off = [i for i in comments if i["code"] == "thesis.off_topic"]
    assert len(off) == 1 and "Roman Republic" in off[0]["message"]
    assert result["overall"]["capped_by"] == "off_topic"


def test_the_text_output_names_the_question_and_its_terms(capsys):
    assert main(["grade", ON_NEW_DEAL, "--question", NEW_DEAL, "--key-terms",
                 "Roosevelt; Hundred Days", "--period", "1929-1941"]) == 0
    out = capsys.readouterr().out
    assert f"Question: {NEW_DEAL} (key terms: Roosevelt, Hundred Days; period 1929–1941)" in \
        " ".join(out.split())
    assert main(["grade", ON_NEW_DEAL]) == 0
    assert "Question: none given, so the topic was not judged" in capsys.readouterr().out


@pytest.mark.parametrize(("extra", "message"), [
    (["--question", "Why?", "--question-file", "q.txt"], "not both"),
    (["--key-terms", "New Deal"], "give --question or --question-file too")])
def test_question_options_that_do_not_fit_together_are_usage_errors(extra, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["grade", ON_NEW_DEAL, *extra])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_question_that_cannot_be_used_is_one_line_and_status_2(capsys, tmp_path):
    assert main(["grade", ON_NEW_DEAL, "--question", NEW_DEAL, "--period", "soon"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("grader: error: the period 'soon' is not a year or a range of years such "
                   "as 1933-1939 (or 133 BC-27 BC)")
    assert main(["grade", ON_NEW_DEAL, "--question-file", str(tmp_path / "none.txt")]) == 2
    assert "cannot be read as the question" in capsys.readouterr().err


def test_bad_inputs_get_one_line_each_and_the_rest_is_graded(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n ", encoding="utf-8")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    huge = tmp_path / "huge.txt"
    huge.write_text("war " * 20_001, encoding="utf-8")
    code = main(["grade", "--format", "json", str(empty), str(binary), STRONG, str(huge),
                 str(tmp_path / "missing.txt")])
    captured = capsys.readouterr()
    assert code == 1
    document = json.loads(captured.out)
    assert [r["source"] for r in document["results"]] == [STRONG]
    errors = captured.err.strip().splitlines()
    assert len(errors) == 4
    assert all(line.startswith("grader: error: ") for line in errors)
    joined = "\n".join(errors)
    assert "empty.txt: the essay is empty" in joined
    assert "photo.txt: this is binary data" in joined
    assert "huge.txt: the essay has 20,001 words; the limit is 20,000" in joined
    assert "missing.txt: cannot be read" in joined
    assert "Traceback" not in captured.err


def test_rubric_that_does_not_parse_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [oops\n", encoding="utf-8")
    assert main(["grade", "--rubric", str(bad), STRONG]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(bad) in err and "valid YAML" in err


def test_rubric_check(capsys, tmp_path):
    assert main(["rubric", "check", str(ROOT / "rubrics" / "history-argument.yaml")]) == 0
    assert "ok: rubric 'history-argument'" in capsys.readouterr().out
    bad = tmp_path / "r.yaml"
    bad.write_text("id: r\nlevels: {1: a, 2: b}\ncriteria:\n  thesis:\n    name: T\n"
                   "    weight: 1\n    descriptors: {1: x}\n", encoding="utf-8")
    assert main(["rubric", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "criteria.thesis.descriptors.2" in err and "Traceback" not in err


def test_stdin_and_exit_codes_in_a_real_process():
    essay = (ESSAYS / "strong.txt").read_bytes()
    run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "--format", "json", "-"],
                         input=essay, capture_output=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["results"][0]["source"] == "stdin"
    blank = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "-"], input=b"\n\n",
                           capture_output=True, cwd=ROOT, timeout=300)
    assert blank.returncode == 1
    assert blank.stderr.decode().strip() == "grader: error: stdin: the essay is empty"


def test_missing_pipeline_fails_with_one_line_saying_what_to_install():
    env_run = subprocess.run(
        [sys.executable, "-m", "grader.cli", "grade", STRONG], capture_output=True, cwd=ROOT,
        timeout=300, env={"GRADER_SPACY_MODEL": "en_core_web_nonexistent", "PATH": "/usr/bin"})
    assert env_run.returncode == 2
    err = env_run.stderr.decode().strip()
    assert err.count("\n") == 0
    assert "en_core_web_nonexistent" in err and "is not installed" in err


@pytest.mark.parametrize("argv", [[], ["grade"], ["bogus"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
