"""The essay's argument as people annotate it: its thesis (and the thesis restated), each
paragraph's point (claim), counterclaims and rebuttals, and the sentences that support them,
each linked to what it backs. Every criterion reads it instead of finding these itself.

    argument = find_argument(essay, topic)
    argument.thesis, argument.role(i), argument.backed_by(claim)
"""

from __future__ import annotations

from models.argument.decode import ROLES, Argument, ArgumentRole, decode
from models.argument.features import sections, sentence_features
from models.argument.model import ArgumentModel, load_model
from models.document import EssayDoc
from models.features.topic import Topic

__all__ = ["ROLES", "Argument", "ArgumentModel", "ArgumentRole", "find_argument"]


def find_argument(essay: EssayDoc, topic: Topic, model: ArgumentModel | None = None
                  ) -> Argument:
    """The argument of an essay (its scored sentences), read against its question."""
    if not essay.sentences:
        return Argument()
    model = model or load_model()
    return decode(essay, sections(essay), model.probabilities(sentence_features(essay, topic)))
