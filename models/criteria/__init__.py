"""The criteria a rubric may name, one module each, each registered with ``@criterion``.

    from models.criteria import registered
    for name, criterion in registered().items(): ...   # each after those it reads
"""

from __future__ import annotations

from models.criteria.base import Criterion, CriterionContext
from models.criteria.registry import criterion, registered, unregister

# The built-in criteria register themselves on import, in the order they are listed.
# isort: off
from models.criteria import thesis  # noqa: F401
from models.criteria import evidence  # noqa: F401
from models.criteria import structure  # noqa: F401
from models.criteria import language  # noqa: F401
# isort: on

__all__ = ["Criterion", "CriterionContext", "criterion", "registered", "unregister"]
