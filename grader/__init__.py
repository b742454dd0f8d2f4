"""Grader's front end. For now: the command-line interface (``grader``)."""
