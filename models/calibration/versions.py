"""The versions a calibration model depends on: light to import (no spaCy), so the web process
can tell whether a stored model is usable by this grader before activating it."""

from __future__ import annotations

import platform
from importlib.metadata import version as package_version

from models import ENGINE_VERSION

# Changes whenever a feature is added, removed or computed differently (models and caches of
# features from another version must not be mixed with these).
FEATURES_VERSION = 14  # 14: the late thesis marked is the restatement again
# What must match for a model to be used: features and engine mean the same, and the fitted
# estimators unpickle into the same library code.
MUST_MATCH = ("engine", "features", "scikit-learn", "numpy")


def library_versions() -> dict[str, str]:
    return {"python": platform.python_version(), "numpy": package_version("numpy"),
            "scikit-learn": package_version("scikit-learn"), "spacy": package_version("spacy"),
            "engine": ENGINE_VERSION, "features": str(FEATURES_VERSION)}


def mismatches(versions: dict[str, str] | None) -> list[str]:
    """What differs between a model's recorded versions and this grader's, for a message."""
    here = library_versions()
    versions = versions or {}
    return [f"{name} {versions.get(name)} (this grader has {here[name]})"
            for name in MUST_MATCH if versions.get(name) != here[name]]
