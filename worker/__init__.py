"""Celery workers (the service issue fills this in); they will call ``models`` by essay id."""
