"""From per-sentence probabilities to the essay's argument: one thesis, one point a paragraph.

Essays follow a shape the probabilities alone do not enforce: a thesis in the introduction and
its restatement in the conclusion, one point (claim) per body paragraph with its reasons and
examples (support) around it. The decoder keeps that shape: in each part it takes the most
likely sentence for the role the part carries, and the rest by their own probabilities. It then
links each support to the point it backs (its paragraph's claim; the thesis in the
introduction and conclusion) and each claim to the thesis; a claim more likely against the
thesis than for it is a counterclaim, and the sentence after it that turns back ("However, …")
its rebuttal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from models.argument.features import Section, marker_kind
from models.document import EssayDoc

ROLES = ("thesis", "claim", "counterclaim", "rebuttal", "support")
# Tuned by cross-validation on the annotated corpus (python -m models.argument.training).
INTRO_THESIS = 0.30  # the introduction's most thesis-like sentence is its thesis above this
RESTATED = 0.30  # the conclusion's most thesis-like sentence restates the thesis above this
CONCLUSION_CLAIM = 0.50  # a second point in the conclusion, beside the restated thesis
SUPPORT = 0.30  # a body sentence that is not its paragraph's point supports it above this
AGAINST = 0.50  # a claim is a counterclaim above this


@dataclass(frozen=True)
class ArgumentRole:
    sentence: int
    role: str  # one of ROLES
    backs: int | None  # the sentence it backs: a claim's thesis, a support's claim
    probability: float  # the model's probability of the role


@dataclass(frozen=True)
class Argument:
    """The essay's argument as a person annotates it."""

    roles: Mapping[int, ArgumentRole] = field(default_factory=dict)
    thesis: int | None = None  # the main claim, in the introduction
    restatement: int | None = None  # the thesis restated in the conclusion
    claims: Mapping[int, int] = field(default_factory=dict)  # section position -> its claim
    probabilities: Sequence[Mapping[str, float]] = ()
    parts: Sequence[Section] = ()  # the introduction, body paragraphs and conclusion it read
    order: Sequence[int] = ()  # the sentences the probabilities are for, in order

    def probability(self, sentence: int, label: str) -> float:
        """The model's probability that the sentence has this label (0 if not read)."""
        position = self.positions.get(sentence)
        return self.probabilities[position][label] if position is not None else 0.0

    @property
    def positions(self) -> dict[int, int]:
        return {index: k for k, index in enumerate(self.order)}

    def role(self, sentence: int) -> str | None:
        found = self.roles.get(sentence)
        return found.role if found else None

    def sentences(self, role: str) -> list[int]:
        return sorted(i for i, r in self.roles.items() if r.role == role)

    def backed_by(self, sentence: int) -> list[int]:
        """The sentences that back this one (its supports, or a thesis's claims)."""
        return sorted(i for i, r in self.roles.items() if r.backs == sentence)


_TURNS = frozenset({"contrast"})


def decode(essay: EssayDoc, parts: Sequence[Section],
           probabilities: Sequence[Mapping[str, float]]) -> Argument:
    """The argument the probabilities (one dict per sentence, in order) describe."""
    p = {s.index: probabilities[position] for position, s in enumerate(essay.sentences)}
    roles: dict[int, ArgumentRole] = {}
    thesis = restatement = None
    claims: dict[int, int] = {}
    for number, part in enumerate(parts):
        ids = list(part.sentences)
        if part.place == "intro":
            best = max(ids, key=lambda i: (p[i]["thesis"], -i))
            if p[best]["thesis"] >= INTRO_THESIS:
                thesis = best
        elif part.place == "conclusion":
            best = max(ids, key=lambda i: (p[i]["thesis"], -i))
            restatement = best if p[best]["thesis"] >= RESTATED else None
            rest = [i for i in ids if i != restatement]
            if rest:
                point = max(rest, key=lambda i: (p[i]["claim"], -i))
                if p[point]["claim"] >= CONCLUSION_CLAIM:
                    claims[number] = point
        else:
            claims[number] = max(ids, key=lambda i: (p[i]["claim"], -i))
    main = thesis if thesis is not None else restatement
    if thesis is not None:
        roles[thesis] = ArgumentRole(thesis, "thesis", None, p[thesis]["thesis"])
    if restatement is not None:
        roles[restatement] = ArgumentRole(restatement, "thesis", thesis,
                                          p[restatement]["thesis"])
    for claim in claims.values():
        against = p[claim]["against"] >= AGAINST
        roles[claim] = ArgumentRole(claim, "counterclaim" if against else "claim", main,
                                    p[claim]["claim"])
    for number, part in enumerate(parts):
        point = claims.get(number)
        if part.place != "body":
            continue
        after_counterclaim = point is not None and roles[point].role == "counterclaim"
        for i in part.sentences:
            if i in roles:
                continue
            if after_counterclaim and i > point and marker_kind(essay.sentence(i)) in _TURNS:
                roles[i] = ArgumentRole(i, "rebuttal", main, p[i]["claim"])
                after_counterclaim = False
            elif p[i]["support"] >= SUPPORT:
                roles[i] = ArgumentRole(i, "support", point if point is not None else main,
                                        p[i]["support"])
    return Argument(roles, thesis, restatement, claims, list(probabilities), list(parts),
                    [s.index for s in essay.sentences])
