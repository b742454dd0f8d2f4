"""The WSGI entry point for gunicorn: ``gunicorn grader.wsgi:app``."""

from grader import create_app
from grader.ingest.isolated import start_reader_server

app = create_app()
# Each web process readies its upload reader as it starts, before its threads do: a teacher's
# first upload to it then starts grading as soon as it is read.
start_reader_server()
