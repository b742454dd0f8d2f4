"""A student's drafts of one assignment side by side, and what changed between them."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.services.overrides import final_levels
from grader.tables import Essay, Override


@dataclass(frozen=True)
class DraftColumn:
    number: int
    essay: Essay
    words: int
    levels: dict[str, int] | None  # None while the draft is still being graded
    changes: dict[str, int] = field(default_factory=dict)  # level change since the last draft
    words_change: int = 0
    # Comments still asking for improvement, per criterion: what changed even while the
    # teacher keeps levels hidden.
    to_improve: dict[str, int] = field(default_factory=dict)
    to_improve_change: dict[str, int] = field(default_factory=dict)
    overridden: set[str] = field(default_factory=set)  # levels a teacher set


def compare_drafts(drafts: list[Essay],
                   overrides: dict[int, dict[str, Override]] | None = None) -> list[DraftColumn]:
    """Drafts oldest first, each with its final levels (a teacher's where one set them) and
    its changes from the draft before."""
    columns: list[DraftColumn] = []
    previous: DraftColumn | None = None
    for number, essay in enumerate(drafts, start=1):
        result = essay.result
        words = len(essay.text.split())
        mine = (overrides or {}).get(essay.id, {})
        levels = final_levels(result, mine)
        changes = {}
        if levels and previous is not None and previous.levels:
            changes = {k: v - previous.levels[k] for k, v in levels.items()
                       if k in previous.levels and v != previous.levels[k]}
        to_improve = {c["id"]: sum(1 for item in c.get("feedback", [])
                                   if item.get("kind") == "improvement")
                      for c in result.document.get("criteria", [])} if result else {}
        improve_change = {}
        if to_improve and previous is not None and previous.to_improve:
            improve_change = {k: v - previous.to_improve[k] for k, v in to_improve.items()
                              if k in previous.to_improve and v != previous.to_improve[k]}
        column = DraftColumn(number, essay, words, levels, changes,
                             words - previous.words if previous else 0, to_improve,
                             improve_change, set(mine))
        columns.append(column)
        previous = column
    return columns
