"""Grader's web application (Flask), its data layer and its command line.

``create_app`` is the factory (Flask's tutorial pattern): configuration comes from the
environment (grader/config.py), then each area hooks itself in through ``init_app``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

API_VERSION = "1.0.0"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    from grader import api, commands, db, errors, queueing, web
    from grader.config import from_environment
    from grader.private_files import private_folder, secret_in

    instance = os.environ.get("GRADER_INSTANCE_PATH")
    app = Flask(__name__, instance_path=str(Path(instance).resolve()) if instance else None,
                instance_relative_config=True)
    private_folder(Path(app.instance_path))
    app.config.from_mapping(from_environment(app.instance_path))
    if test_config:
        celery_overrides = test_config.pop("CELERY", None)
        app.config.from_mapping(test_config)
        if celery_overrides:
            app.config["CELERY"] = {**app.config["CELERY"], **celery_overrides}
    behind_proxy(app)
    if not app.config.get("SECRET_KEY"):  # kept in the instance folder: sessions survive
        app.config["SECRET_KEY"] = secret_in(Path(app.instance_path))  # restarts
    db.init_app(app)
    queueing.celery_init_app(app)
    api.init_app(app)
    web.init_app(app)  # after the API, whose blueprints it exempts from CSRF
    commands.init_app(app)
    errors.init_app(app)  # after the API's own handlers, so every error has one JSON shape
    return app


def behind_proxy(app: Flask) -> None:
    """Trust the configured proxies' forwarded headers (werkzeug's ProxyFix) and answer only
    the configured base URL's host, building absolute URLs from it."""
    from urllib.parse import urlsplit

    from werkzeug.middleware.proxy_fix import ProxyFix

    proxies = app.config.get("GRADER_TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    base = app.config.get("GRADER_BASE_URL")
    if base:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RuntimeError(f"GRADER_BASE_URL must be like https://grader.school.example, "
                             f"not {base!r}")
        app.config["TRUSTED_HOSTS"] = [parts.hostname]
        app.config["PREFERRED_URL_SCHEME"] = parts.scheme
