"""``grader``: grade essays offline, and run and administer the service.

Offline (no database, no server): ``grader grade FILE...`` and ``grader rubric check PATH``.
Service: ``grader serve``, ``grader db upgrade``, ``grader rubric import``, ``grader user
create``, ``grader token create``, ``grader sweep``; plus Flask's ``shell`` and ``routes``.

Exit status: 0 done; 1 some inputs could not be graded (each named on stderr); 2 a usage,
rubric, configuration or installation problem.
"""

from __future__ import annotations

import contextvars
import sys

import click
from flask.cli import FlaskGroup

from grader.commands import all_commands


def _create_app():
    from grader import create_app

    return create_app()


cli = FlaskGroup(name="grader", help=__doc__.split("\n\n")[0], create_app=_create_app,
                 add_version_option=False, load_dotenv=False, set_debug_flag=False)
for _command in all_commands():
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    try:
        # In a context of its own: an app context a failed command leaves pushed (click skips
        # the clean-up on a usage error) must not outlive it when main() is called in-process.
        result = contextvars.copy_context().run(cli.main, args=argv, prog_name="grader",
                                                standalone_mode=False)
    except click.UsageError as exc:
        exc.show()
        raise SystemExit(2) from exc
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        print("grader: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
