"""The annotated essays the argument model learns from and is measured on.

Argument Annotated Essays v2 (Stab & Gurevych 2017): persuasive essays whose major claims,
claims and premises were marked by trained annotators, as character spans. The corpus is kept
outside the repository (../shared/data/aaec/, one JSON object a line: id, topic, text,
components with type, stance, start, end); this module reads it and labels sentences.

A sentence takes a component's role when at least half of either overlaps the other. A claim
whose stance is "Against" the major claim is a counterclaim. A premise's "stance" holds the
offset, in the essay's list of components, of the component it supports.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from models.document import EssayDoc

ROLE_OF_TYPE = {"MajorClaim": "thesis", "Claim": "claim", "Premise": "support"}


@dataclass(frozen=True)
class Component:
    role: str  # thesis, claim or support
    start: int
    end: int
    against: bool  # a claim against the major claim (a counterclaim)
    target: int | None  # for a premise: the index of the component it supports


@dataclass(frozen=True)
class AnnotatedEssay:
    id: str
    topic: str  # the essay's title line, standing in for its question
    text: str
    components: tuple[Component, ...]


def read_corpus(path: Path | str) -> list[AnnotatedEssay]:
    """Essays from one of the corpus's JSON-lines files."""
    essays = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            raw = json.loads(line)
            components = []
            for index, c in enumerate(raw["components"]):
                stance = str(c.get("stance", ""))
                target = None
                if c["type"] == "Premise" and stance.lstrip("-").isdigit():
                    target = index + int(stance)
                components.append(Component(ROLE_OF_TYPE[c["type"]], int(c["start"]),
                                            int(c["end"]), stance == "Against", target))
            essays.append(AnnotatedEssay(raw["id"], raw.get("topic", ""), raw["text"],
                                         tuple(components)))
    return essays


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """At least half of either span lies inside the other."""
    shared = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return shared > 0 and (shared >= 0.5 * (a[1] - a[0]) or shared >= 0.5 * (b[1] - b[0]))


@dataclass(frozen=True)
class SentenceGold:
    roles: frozenset[str]  # thesis, claim, support, counterclaim
    components: tuple[int, ...]  # indices of the components it matches


def sentence_gold(essay: EssayDoc, annotated: AnnotatedEssay) -> list[SentenceGold]:
    """The annotated roles of each sentence (offsets into the same text)."""
    out = []
    for sentence in essay.sentences:
        matched = [i for i, c in enumerate(annotated.components)
                   if overlaps((sentence.start, sentence.end), (c.start, c.end))]
        roles = {annotated.components[i].role for i in matched}
        if any(annotated.components[i].role == "claim" and annotated.components[i].against
               for i in matched):
            roles.add("counterclaim")
        out.append(SentenceGold(frozenset(roles), tuple(matched)))
    return out


def gold_targets(golds: Sequence[SentenceGold], annotated: AnnotatedEssay
                 ) -> Iterator[tuple[int, set[int]]]:
    """(support sentence, the sentences holding what its premise supports), per premise."""
    holder: dict[int, set[int]] = {}
    for position, gold in enumerate(golds):
        for component in gold.components:
            holder.setdefault(component, set()).add(position)
    for position, gold in enumerate(golds):
        for component in gold.components:
            target = annotated.components[component].target
            if target is not None and target in holder:
                yield position, holder[target]
