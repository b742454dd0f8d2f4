"""Rendering results for people (text) and programs (JSON)."""

from __future__ import annotations

import json
import textwrap

from models.result import GradeResult, quote
from models.scoring.rubric_model import round_half_up

JSON_SCHEMA_VERSION = 2  # 2: results carry their question; capped scores as in models/result.py
_WIDTH = 96


def results_json(results: list[GradeResult], errors: list[tuple[str, str]]) -> str:
    """One stable document: every graded essay, then every input that could not be graded."""
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "results": [r.to_dict() for r in results],
        "errors": [{"source": source, "error": message} for source, message in errors],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False)


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def question_line(result: GradeResult) -> str:
    """Which question the essay was graded against, in one line (wrapped)."""
    question = result.question
    if question is None:
        return _wrap("Question: none given, so the topic was not judged (grade with "
                     "--question to check that essays answer it)", "")
    extras = []
    if question.key_terms:
        extras.append("key terms: " + ", ".join(t.term for t in question.key_terms))
    if question.period:
        extras.append(f"period {question.period}")
    if question.source == "rubric":
        extras.append("the rubric's own question")
    if not question.topic_judged:
        extras.append(f"topic not judged: {question.not_judged_because or 'nothing to judge'}")
    more = f" ({'; '.join(extras)})" if extras else ""
    return _wrap(f"Question: {question.text}{more}", "")


def _check(item) -> str:
    """'[check] ' before a comment students are not shown yet (its kind is not reliable
    enough: models/feedback/precision.py), with its measured precision."""
    if item.audience == "everyone":
        return ""
    measured = "not measured" if item.precision is None else f"right {item.precision:.0%}"
    return f"[check: {measured}] "


def _uncapped(score: float) -> str:
    return f"Without the cap: level {round_half_up(score)} ({score:.2f})."


def result_text(result: GradeResult, max_level: int) -> str:
    lines = [
        f"== {result.source} ({result.words} words; rubric {result.rubric_id} "
        f"v{result.rubric_version})",
        question_line(result),
        f"Overall: {result.overall_score:.2f} / {max_level}  {result.overall_label}  "
        f"(confidence {result.overall_confidence:.2f})"
        f"{'  [capped]' if result.overall_capped_by else ''}",
    ]
    if result.overall_cap_reason:
        lines.append(_wrap(f"{result.overall_cap_reason} "
                           f"{_uncapped(result.overall_uncapped_score or 0.0)}", "  "))
    for flag in result.flags:
        lines.append(_wrap(f"! {flag.code}: {flag.message}", ""))
        for ref in flag.sentences[:2]:
            lines.append(_wrap(f"“{quote(ref.text)}”", "    "))
    for criterion in result.criteria:
        lines.append("")
        lines.append(f"{criterion.name}: level {criterion.level} {criterion.label} "
                     f"(confidence {criterion.confidence:.2f})"
                     f"{'  [capped]' if criterion.capped_by else ''}")
        if criterion.cap_reason:  # the descriptor of a capped level is not a judgement
            lines.append(_wrap(f"{criterion.cap_reason} {_uncapped(criterion.uncapped_score)}",
                               "  "))
        else:
            lines.append(_wrap(criterion.descriptor, "  "))
        for item in criterion.feedback:
            mark = "+" if item.kind == "strength" else "-"
            lines.append(_wrap(f"{mark} {_check(item)}{item.message}", "  "))
            lines.append(_wrap(f"-> {item.next_step}", "    "))
    return "\n".join(lines) + "\n"
