"""Grader's scoring engine: text and rubric in, scores and sentence-anchored feedback out.

Pure Python on spaCy, scikit-learn and numpy; never imports Flask, Celery or SQLAlchemy.
"""

ENGINE_VERSION = "0.5.1"
