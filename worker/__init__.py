"""Celery workers: the Celery app (``worker.app``) and its thin tasks (``worker.tasks``)."""
