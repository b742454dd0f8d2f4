"""Rendering results for people (text) and programs (JSON)."""

from __future__ import annotations

import json
import textwrap

from models.result import GradeResult, quote

JSON_SCHEMA_VERSION = 1
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


def result_text(result: GradeResult, max_level: int) -> str:
    lines = [
        f"== {result.source} ({result.words} words; rubric {result.rubric_id} "
        f"v{result.rubric_version})",
        f"Overall: {result.overall_score:.2f} / {max_level}  {result.overall_label}  "
        f"(confidence {result.overall_confidence:.2f})",
    ]
    for flag in result.flags:
        lines.append(_wrap(f"! {flag.code}: {flag.message}", ""))
        for ref in flag.sentences[:2]:
            lines.append(_wrap(f"“{quote(ref.text)}”", "    "))
    for criterion in result.criteria:
        lines.append("")
        capped = f"  [capped: {criterion.capped_by}]" if criterion.capped_by else ""
        lines.append(f"{criterion.name}: level {criterion.level} {criterion.label} "
                     f"(confidence {criterion.confidence:.2f}){capped}")
        lines.append(_wrap(criterion.descriptor, "  "))
        for item in criterion.feedback:
            mark = "+" if item.kind == "strength" else "-"
            lines.append(_wrap(f"{mark} {item.message}", "  "))
            lines.append(_wrap(f"-> {item.next_step}", "    "))
    return "\n".join(lines) + "\n"
