"""The built-in criteria's features by name (``thesis``, ``evidence``, ``structure``,
``language``), for what reads several criteria's features at once: an essay's analysis, the
context its comments are made in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class BuiltinFeatures:
    """The built-in criteria's features by name, for code that reads them (comments on one
    criterion often read another's: the evidence comments skip the thesis)."""

    features: Mapping[str, Any]

    @property
    def thesis(self) -> Any:
        return self.features.get("thesis")

    @property
    def evidence(self) -> Any:
        return self.features.get("evidence")

    @property
    def structure(self) -> Any:
        return self.features.get("structure")

    @property
    def language(self) -> Any:
        return self.features.get("language")
