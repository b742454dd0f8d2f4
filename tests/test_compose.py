"""docker-compose.yml, the Dockerfile and docs/deployment.md, checked against the code they run.

Docker cannot run here or in CI, so these tests read the files and resolve everything they name
in the code itself: the environment variables (recorded while the app reads its settings), the
Celery and WSGI targets, the queues, the ``grader`` commands (parsed by click, not run), the
health check's route, the beat schedule, and the image's entry point. No Docker, no network, no
spaCy.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import json
import os
import re
import shlex
import sys
import tomllib
from collections.abc import Mapping
from operator import attrgetter
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import click
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"

# What an operator's .env holds at the least: the one variable the compose file requires.
DEPLOY_ENV = {"GRADER_SECRET_KEY": "a-secret-for-the-tests"}
GRADER_SERVICES = {"migrate", "web", "worker", "beat"}
# Settings the app falls back on; cleared so the developer's shell cannot leak into a test.
_FALLBACK_NAMES = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY"}


# --- reading the files ------------------------------------------------------------------------

_INTERPOLATION = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)")


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's variable substitution (``${X}``, ``${X:-d}``, ``${X-d}``, ``${X:?e}``, ``$$``)
    applied to every string value, as ``docker compose config`` would."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg, current = match.group("op") or "", match.group("arg") or "", env.get(name)
        missing = not current if op.startswith(":") else current is None
        if op.endswith("-"):
            return arg if missing else current
        if op.endswith("?") and missing:
            raise LookupError(f"required variable {name} is missing a value: {arg}")
        return current or ""

    return _INTERPOLATION.sub(substitute, value)


def compose_variables(text: str) -> set[str]:
    return {m.group("name") or m.group("bare") for m in _INTERPOLATION.finditer(text)
            if m.group(0) != "$$"}


@pytest.fixture(scope="module")
def raw_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose(raw_compose: dict[str, Any]) -> dict[str, Any]:
    return interpolate(raw_compose, DEPLOY_ENV)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):  # also inside a continued instruction
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    result = []
    for entry in logical:
        keyword, _, arguments = entry.partition(" ")
        result.append((keyword.upper(), arguments.strip()))
    return result


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return _instructions(DOCKERFILE.read_text(encoding="utf-8"))


def _dockerfile_env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, arguments in instructions:
        if keyword == "ENV":
            for item in shlex.split(arguments):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def _final_workdir(instructions: list[tuple[str, str]]) -> PurePosixPath:
    workdir = PurePosixPath("/")
    for keyword, arguments in instructions:
        if keyword == "WORKDIR":
            workdir = workdir / arguments
    return workdir


def _copies(instructions: list[tuple[str, str]]) -> dict[str, str]:
    """Where each COPY puts its sources in the image: {path in image: source in the context}."""
    workdir, placed = PurePosixPath("/"), {}
    for keyword, arguments in instructions:
        if keyword == "WORKDIR":
            workdir = workdir / arguments
        elif keyword == "COPY":
            *sources, dest = [a for a in shlex.split(arguments) if not a.startswith("--")]
            target = workdir / dest
            if len(sources) > 1 or dest.endswith("/"):
                placed |= {(target / PurePosixPath(s).name).as_posix(): s for s in sources}
            else:
                placed[target.as_posix()] = sources[0]
    return placed


def _source_of(image_path: PurePosixPath, copies: dict[str, str]) -> Path | None:
    """The file in the repository that a COPY put at image_path, if any."""
    for dest, source in copies.items():
        if image_path == PurePosixPath(dest) or image_path.is_relative_to(dest + "/"):
            return ROOT / source / image_path.relative_to(dest)
    return None


def _argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def _option(argv: list[str], name: str) -> str:
    assert name in argv, f"{name} missing from {argv}"
    return argv[argv.index(name) + 1]


def _duration_seconds(value: str | int) -> float:
    if isinstance(value, int):
        return float(value)
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 0.000001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|us|m|s)", value)
    assert parts and "".join(n + u for n, u in parts) == value, f"not a duration: {value!r}"
    return sum(float(number) * units[unit] for number, unit in parts)


def _celery_subcommand(argv: list[str]) -> str | None:
    """'worker' / 'beat' / ... for a ``celery -A target SUBCOMMAND`` command line."""
    if not argv or PurePosixPath(argv[0]).name != "celery":
        return None
    rest = argv[1:]
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in ("-A", "--app", "-b", "--broker") else rest[1:]
    return rest[0] if rest else None


def _shell_commands(command: list[str]) -> list[list[str]]:
    """The commands of ``sh -c "a && b"`` (or a plain command), each as argv."""
    if command[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in command[2].split("&&")]
    return [command]


def parse_grader_command(argv: list[str]) -> list[str]:
    """Parse ``grader ...`` with the real click group, without running it; returns the command
    path (e.g. ['db', 'upgrade']). Raises click.UsageError if click would reject it."""
    from grader.cli import cli

    def unparsed(ctx: click.Context) -> list[str]:  # a group's subcommand and its arguments
        protected = (ctx._protected_args if hasattr(ctx, "_protected_args")  # click >= 8.2
                     else ctx.protected_args)
        return [*protected, *ctx.args]

    assert argv[0] == "grader", argv
    ctx = cli.make_context("grader", list(argv[1:]), resilient_parsing=True)
    remaining, group, path = unparsed(ctx), cli, []
    while True:
        if not remaining:
            raise click.UsageError(f"'grader {' '.join(path)}' needs a subcommand")
        name, command, remaining = group.resolve_command(ctx, remaining)
        if command is None:
            raise click.UsageError(f"no such command in {argv}")
        path.append(name)
        if isinstance(command, click.Group):
            ctx = command.make_context(name, remaining, parent=ctx, resilient_parsing=True)
            remaining, group = unparsed(ctx), command
            continue
        command.make_context(name, remaining, parent=ctx)  # strict: arguments and choices
        return path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No GRADER_* or fallback variables from the shell; the instance folder in tmp_path."""
    for name in list(os.environ):
        if name.startswith("GRADER_") or name in _FALLBACK_NAMES:
            monkeypatch.delenv(name)
    instance = tmp_path / "instance"
    monkeypatch.setenv("GRADER_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # FlaskGroup sets it; restore afterwards
    return instance


@pytest.fixture
def resolve(clean_env: Path):
    """Resolve ``module:attribute`` as gunicorn and ``celery -A`` do. The entry modules build an
    app when imported (here in tmp_path); they are forgotten afterwards, so a later test that
    imports them gets an app built from its own environment."""
    imported: list[str] = []

    def resolve_target(target: str) -> Any:
        module_name, _, attribute = target.partition(":")
        if module_name not in sys.modules:
            imported.append(module_name)
        module = importlib.import_module(module_name)
        return attrgetter(attribute)(module) if attribute else module

    yield resolve_target
    for name in imported:
        sys.modules.pop(name, None)


# --- what the app reads -----------------------------------------------------------------------

class _RecordingEnviron(dict):
    """A stand-in for os.environ that remembers every name looked up."""

    def __init__(self, initial: Mapping[str, str]) -> None:
        super().__init__(initial)
        self.names: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.names.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.names.add(str(key))
        return super().__contains__(key)


class _OsWithEnviron:
    """The os module, except for its environ (and getenv)."""

    def __init__(self, environ: _RecordingEnviron) -> None:
        self.environ = environ

    def getenv(self, key: str, default: Any = None) -> Any:
        return self.environ.get(key, default)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


@pytest.fixture
def app_env_names(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> set[str]:
    """Every environment variable create_app and grader/config.py read, recorded while they
    build an app from an empty environment (so every fallback is taken and read too)."""
    import grader
    import grader.config

    recorder = _RecordingEnviron({"GRADER_INSTANCE_PATH": str(clean_env)})
    fake_os = _OsWithEnviron(recorder)
    monkeypatch.setattr(grader, "os", fake_os)
    monkeypatch.setattr(grader.config, "os", fake_os)
    grader.create_app()
    assert {"GRADER_INSTANCE_PATH", "DATABASE_URL", "REDIS_URL"} <= recorder.names  # it records
    return set(recorder.names)


def _spacy_model_env() -> str:
    """models.pipeline.MODEL_ENV, read from the source so spaCy is not imported."""
    tree = ast.parse((ROOT / "models" / "pipeline.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "MODEL_ENV"):
            return ast.literal_eval(node.value)
    raise AssertionError("models/pipeline.py no longer defines MODEL_ENV")


def _cli_env_names() -> set[str]:
    """Variables the CLI commands read themselves (e.g. a password for scripts)."""
    return {name for path in (ROOT / "grader" / "commands").glob("*.py")
            for name in re.findall(r"os\.environ\.get\(\s*\"([A-Z][A-Z0-9_]*)\"",
                                   path.read_text(encoding="utf-8"))}


def _settings(env: Mapping[str, str], instance: Path,
              monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from grader.config import from_environment

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return from_environment(str(instance))


# --- the services -----------------------------------------------------------------------------

def test_grader_services_share_one_image_and_the_whole_environment(raw_compose, services):
    built = {name for name, service in services.items() if "build" in service}
    assert built == GRADER_SERVICES
    assert len({(str(services[n]["build"]), services[n]["image"]) for n in built}) == 1
    anchor = interpolate(raw_compose["x-grader-env"], DEPLOY_ENV)
    for name in built:
        environment = services[name]["environment"]
        assert isinstance(environment, dict), f"{name}: use the map form (the anchor)"
        assert anchor.items() <= environment.items(), f"{name} does not use x-grader-env"


def test_every_environment_variable_given_is_one_the_app_reads(services, app_env_names):
    for name in GRADER_SERVICES:
        unknown = set(services[name]["environment"]) - app_env_names
        assert not unknown, f"{name} sets variables the app never reads: {sorted(unknown)}"


def test_optional_settings_left_empty_fall_back_to_the_code_defaults(
        raw_compose, clean_env, monkeypatch):
    passthrough = {key for key, value in raw_compose["x-grader-env"].items()
                   if value == "${" + key + ":-}"}
    assert passthrough, "expected optional GRADER_* settings passed through from .env"
    defaults = _settings({}, clean_env, monkeypatch)
    for name in sorted(passthrough):
        assert _settings({name: ""}, clean_env, monkeypatch) == defaults, (
            f"{name}='' (unset in .env) does not mean the default in grader/config.py")
        monkeypatch.delenv(name)


@pytest.mark.parametrize("operator_env", [{}, {"POSTGRES_PASSWORD": "s3cret"}])
def test_the_app_reaches_the_compose_postgres_and_redis(
        raw_compose, clean_env, monkeypatch, operator_env):
    from sqlalchemy.engine import make_url

    compose = interpolate(raw_compose, {**DEPLOY_ENV, **operator_env})
    services = compose["services"]
    settings = _settings(services["web"]["environment"], clean_env, monkeypatch)

    url = make_url(settings["DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg"
    url.get_dialect()  # the driver is installed with the project
    postgres = services["postgres"]["environment"]
    assert url.host in services and services[url.host]["image"].startswith("postgres:")
    assert (url.port or 5432) == 5432
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"]
    assert url.database == postgres["POSTGRES_DB"]

    broker = urlsplit(settings["CELERY"]["broker_url"])
    assert broker.scheme == "redis"
    assert broker.hostname in services and services[broker.hostname]["image"].startswith("redis:")
    assert (broker.port or 6379) == 6379
    assert settings["SECRET_KEY"] == DEPLOY_ENV["GRADER_SECRET_KEY"]


def test_the_secret_key_is_required_not_defaulted(raw_compose):
    with pytest.raises(LookupError, match="GRADER_SECRET_KEY"):
        interpolate(raw_compose["x-grader-env"], {})


# --- worker and beat --------------------------------------------------------------------------

def test_worker_runs_the_celery_app_and_queues_grader_serve_runs(services, clean_env, resolve):
    from celery import Celery

    from grader.commands.serve import QUEUES, worker_command
    from grader.config import from_environment
    from grader.queueing import BATCH_QUEUE, DRAFT_QUEUE

    argv = _argv(services["worker"]["command"])
    assert _celery_subcommand(argv) == "worker"
    served = worker_command(1, beat=False)
    assert _option(argv, "-A") == _option(served, "-A")
    assert isinstance(resolve(_option(argv, "-A")), Celery)

    queues = _option(argv, "--queues").split(",")
    assert queues == QUEUES.split(",") == _option(served, "--queues").split(",")
    assert {DRAFT_QUEUE, BATCH_QUEUE} <= set(queues)
    default_queue = from_environment(str(clean_env))["CELERY"]["task_default_queue"]
    assert default_queue in queues, "the sweeper's task goes to the default queue"
    assert int(_option(argv, "--concurrency")) >= 1
    for flag in ("--without-gossip", "--without-mingle"):
        assert (flag in argv) == (flag in served)


def test_workers_scale_and_exactly_one_beat_runs(services):
    beats = [name for name, service in services.items()
             if _celery_subcommand(_argv(service.get("command") or [])) == "beat"]
    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert services["beat"].get("scale", 1) == 1

    for name, service in services.items():
        argv = _argv(service.get("command") or [])
        if _celery_subcommand(argv) == "worker":
            assert not {"-B", "--beat"} & set(argv), f"{name} embeds beat; it would scale with it"
    worker = services["worker"]
    for key in ("container_name", "hostname"):
        assert key not in worker, f"worker sets {key}: `--scale worker=N` would clash"
    for port in worker.get("ports", []):
        assert ":" not in str(port), "a fixed host port stops the worker from scaling"
    assert "--hostname" not in _argv(worker["command"])


def test_beat_runs_the_same_app_with_the_in_memory_scheduler(services, clean_env, monkeypatch):
    beat = services["beat"]
    argv = _argv(beat["command"])
    assert _option(argv, "-A") == _option(_argv(services["worker"]["command"]), "-A")
    settings = _settings(beat["environment"], clean_env, monkeypatch)
    # The sweeper's interval is all beat schedules: no file a killed beat could leave corrupt.
    assert settings["CELERY"]["beat_scheduler"] == "celery.beat:Scheduler"
    assert "--schedule" not in argv and "-s" not in argv
    assert "--scheduler" not in argv and "-S" not in argv


def test_worker_shutdown_waits_for_the_task_hard_time_limit(services, clean_env, monkeypatch):
    worker = services["worker"]
    settings = _settings(worker["environment"], clean_env, monkeypatch)
    hard_limit = settings["CELERY"]["task_time_limit"]
    grace = _duration_seconds(worker.get("stop_grace_period", "10s"))
    assert grace > hard_limit, f"stop_grace_period {grace}s < task hard limit {hard_limit}s"


# --- web --------------------------------------------------------------------------------------

def test_web_serves_the_wsgi_app_as_grader_serve_does(services, resolve):
    from flask import Flask

    from grader.commands.serve import web_command

    argv = _argv(services["web"]["command"])
    assert PurePosixPath(argv[0]).name == "gunicorn"
    host, _, port = _option(argv, "--bind").rpartition(":")
    served = web_command(host, int(port), int(_option(argv, "--workers")))
    assert served[1:3] == ["-m", "gunicorn"]
    assert argv[-1] == served[-1]
    assert isinstance(resolve(argv[-1]), Flask)
    for index, item in enumerate(served[3:-1], start=3):  # every option grader serve passes
        if item.startswith("--"):
            assert _option(argv, item) == served[index + 1], item


def test_web_healthcheck_hits_the_health_route_on_the_served_port(services, resolve):
    web = services["web"]
    test = web["healthcheck"]["test"]
    command = " ".join(test[1:]) if test[0] in ("CMD", "CMD-SHELL") else " ".join(test)
    assert "curl" not in command and "wget" not in command, "the slim image has neither"
    assert test[0] == "CMD" and test[1] == "python"
    urls = re.findall(r"https?://[^\s'\"]+", command)
    assert len(urls) == 1
    url = urlsplit(urls[0])
    port = int(_option(_argv(web["command"]), "--bind").rpartition(":")[2])
    assert url.hostname == "localhost" and url.port == port
    assert any(str(mapping).rsplit(":", 1)[-1] == str(port) for mapping in web["ports"])

    app = resolve(_argv(web["command"])[-1])
    rules = {rule.rule: rule for rule in app.url_map.iter_rules()}
    assert url.path in rules and "GET" in rules[url.path].methods


# --- migrate and the CLI ----------------------------------------------------------------------

def test_migrate_runs_real_grader_commands_on_a_rubric_in_the_image(
        services, dockerfile, clean_env):
    from models.rubric import load_rubric

    migrate = services["migrate"]
    commands = _shell_commands(_argv(migrate["command"]))
    paths = [parse_grader_command(argv) for argv in commands]
    assert paths[0] == ["db", "upgrade"], "migrate first"
    assert ["rubric", "import"] in paths
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate.get("restart") == "no"

    workdir, copies = _final_workdir(dockerfile), _copies(dockerfile)
    for argv in commands:
        if argv[1:3] == ["rubric", "import"]:
            for rubric in argv[3:]:
                source = _source_of(workdir / rubric, copies)  # relative to the WORKDIR
                assert source is not None and source.is_file(), f"{rubric} is not in the image"
                load_rubric(source)  # and it is a valid rubric

    for name in ("web", "worker", "beat"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_the_commands_the_deployment_guide_gives_parse(clean_env):
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    found = re.findall(r"docker compose (?:run --rm|exec(?: -T)?) \w+ (grader [^\n#`]*)", text)
    assert any("token create" in line for line in found)
    for line in found:
        parse_grader_command(shlex.split(line))


def test_a_wrong_grader_command_is_caught(clean_env):
    with pytest.raises(click.UsageError):
        parse_grader_command(["grader", "db", "migrate"])
    with pytest.raises(click.UsageError):
        parse_grader_command(["grader", "token", "create", "a@b.org", "--role", "root"])


# --- volumes ----------------------------------------------------------------------------------

def test_data_lives_on_declared_volumes_and_redis_keeps_its_queue(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} uses undeclared volume {source}"

    def mounted(service: str) -> set[str]:
        return {str(v).split(":")[1] for v in services[service].get("volumes", [])}

    assert "/var/lib/postgresql/data" in mounted("postgres")
    assert "/data" in mounted("redis")
    redis = _argv(services["redis"]["command"])
    assert _option(redis, "--appendonly") == "yes"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]


# --- the Dockerfile ---------------------------------------------------------------------------

def test_the_image_runs_the_web_app_by_default(dockerfile, services):
    assert not [a for k, a in dockerfile if k == "ENTRYPOINT"]
    cmd = [a for k, a in dockerfile if k == "CMD"]
    assert len(cmd) == 1
    argv = json.loads(cmd[0])  # the exec (JSON array) form: gunicorn gets the signals
    assert argv[-1] == "grader.wsgi:app"
    assert argv == _argv(services["web"]["command"])


def test_the_image_installs_the_project_and_all_its_packages(dockerfile):
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    base = next(a for k, a in dockerfile if k == "FROM")
    version = re.fullmatch(r"python:(\d+)\.(\d+)-slim", base)
    assert version, base
    minimum = re.fullmatch(r">=(\d+)\.(\d+)", pyproject["project"]["requires-python"])
    assert tuple(map(int, version.groups())) >= tuple(map(int, minimum.groups()))

    workdir, installed, copied = PurePosixPath("/"), None, {}
    for index, (keyword, arguments) in enumerate(dockerfile):
        if keyword == "WORKDIR":
            workdir = workdir / arguments
        elif keyword == "RUN" and re.search(r"\bpip install (?:[^&;|]* )?\.(?:\s|$)", arguments):
            installed, copied = workdir, _copies(dockerfile[:index])
    assert installed is not None, "the Dockerfile must `pip install .`"
    needed = {"pyproject.toml", pyproject["project"]["readme"]}
    needed |= {pattern.rstrip("*") for pattern
               in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    missing = {name for name in needed if (installed / name).as_posix() not in copied}
    assert not missing, f"not copied before `pip install .`: {sorted(missing)}"

    ignored = [line.strip().lstrip("/") for line in DOCKERIGNORE.read_text().splitlines()
               if line.strip() and not line.startswith(("#", "!"))]
    for name in (*needed, "rubrics"):
        assert not any(fnmatch.fnmatch(name, pattern) for pattern in ignored), (
            f".dockerignore keeps {name} out of the build")


def test_the_image_runs_as_a_user_with_the_instance_path_compose_expects(
        dockerfile, raw_compose):
    users = [a for k, a in dockerfile if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    env = _dockerfile_env(dockerfile)
    assert env["GRADER_INSTANCE_PATH"] == raw_compose["x-grader-env"]["GRADER_INSTANCE_PATH"]
    source = _source_of(PurePosixPath(env["GRADER_RUBRIC"]), _copies(dockerfile))
    assert source is not None and source.is_file(), "GRADER_RUBRIC names no file in the image"


# --- the deployment guide ---------------------------------------------------------------------

def test_the_guide_documents_every_setting_the_app_reads(app_env_names):
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    section = text.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)`", section, flags=re.MULTILINE))
    expected = app_env_names | {_spacy_model_env()} | _cli_env_names()
    assert documented == expected, (f"undocumented: {sorted(expected - documented)}; "
                                    f"not read by the app: {sorted(documented - expected)}")


def test_the_guide_names_every_variable_the_compose_file_takes():
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    for name in compose_variables(COMPOSE_FILE.read_text(encoding="utf-8")):
        assert f"`{name}`" in text, f"docs/deployment.md does not mention {name}"
