"""The ``darkfleet`` command group and its one top-level error handler.

A ``DarkfleetError`` prints ``Error: <message>`` on stderr and exits with its
``exit_code``; anything else is an internal error (exit 1); Ctrl-C exits 130; a broken
pipe exits quietly. ``--debug`` shows tracebacks.

Command modules are imported only when their command runs (``COMMAND_MODULES``): the
demo, the workspace and the web of fuse modules cost about a CPU second to import,
which ``darkfleet ingest`` and ``darkfleet info`` need not pay.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from importlib.metadata import PackageNotFoundError, version
from typing import Final

import click

from darkfleet import __version__
from darkfleet.errors import DarkfleetError

log = logging.getLogger("darkfleet")

EXIT_INTERRUPTED = 130
DEPENDENCIES = (
    "polars",
    "pyarrow",
    "numpy",
    "click",
    "rich",
    "pyais",
    "sqlalchemy",
    "alembic",
    "psycopg",
)


#: Every command (or command group) and the module that defines it.
COMMAND_MODULES: Final[dict[str, str]] = {
    "claims": "darkfleet.cli.reports",
    "config": "darkfleet.cli.detect",
    "correct": "darkfleet.cli.workspace",
    "demo": "darkfleet.cli.demo",
    "detect": "darkfleet.cli.detect",
    "dispute": "darkfleet.cli.workspace",
    "evaluate": "darkfleet.cli.evaluate",
    "events": "darkfleet.cli.detect",
    "explain": "darkfleet.cli.detect",
    "history": "darkfleet.cli.workspace",
    "info": "darkfleet.cli.store",
    "ingest": "darkfleet.cli.ingest",
    "rejects": "darkfleet.cli.store",
    "reports": "darkfleet.cli.reports",
    "sanctions": "darkfleet.cli.sanctions",
    "screen": "darkfleet.cli.sanctions",
    "sightings": "darkfleet.cli.workspace",
    "simulate": "darkfleet.cli.simulate",
    "vessel": "darkfleet.cli.vessel",
    "vessels": "darkfleet.cli.vessel",
}


class LazyGroup(click.Group):
    """A group that imports a command's module the first time the command is looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, without importing a module."""
        return sorted({*self.commands, *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing its module (which registers it) when needed."""
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(COMMAND_MODULES[cmd_name])
        return self.commands.get(cmd_name)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-v info, -vv debug).")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, debug: bool) -> None:
    """Expose sanctions evasion at sea from AIS and open evidence.

    darkfleet ingests AIS (NMEA logs and feeds, CSV exports) into a Parquet store,
    detects dark gaps, encounters, spoofing and shuttles, and fuses them with
    sanctions lists, sightings and reports.

    Examples:

      darkfleet ingest logs/*.nmea.gz --store ./darkfleet-data

      darkfleet info --store ./darkfleet-data
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


@cli.command("version")
@click.option("--verbose", "is_verbose", is_flag=True, help="Also list dependency versions.")
def version_command(is_verbose: bool) -> None:
    """Print the version (and dependencies' for bug reports).

    Examples:

      darkfleet version

      darkfleet version --verbose
    """
    click.echo(f"darkfleet {__version__}")
    if is_verbose:
        click.echo(f"python {sys.version.split()[0]}")
        for name in DEPENDENCIES:
            try:
                click.echo(f"{name} {version(name)}")
            except PackageNotFoundError:
                click.echo(f"{name} (not installed)")


def register_all_commands() -> None:
    """Import every command module (for the documentation and its tests)."""
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(module)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and map errors to exit codes (the console script's entry point)."""
    args = sys.argv[1:] if argv is None else argv
    is_debug = "--debug" in args or bool(os.environ.get("DARKFLEET_DEBUG"))
    try:
        returned = cli.main(args=args, prog_name="darkfleet", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as err:
        err.show()
        sys.exit(2 if isinstance(err, click.UsageError) else err.exit_code)
    except DarkfleetError as err:
        if is_debug:
            traceback.print_exc()
        click.echo(f"Error: {err}", err=True)
        sys.exit(err.exit_code)
    except BrokenPipeError:
        # stdout closed early (e.g. piped into `head`): leave quietly, no traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except Exception:
        if is_debug:
            traceback.print_exc()
        click.echo("Error: internal error; rerun with --debug and report it", err=True)
        sys.exit(1)
    # A command may return an int exit status (e.g. 10 for --fail-on-findings).
    sys.exit(returned if isinstance(returned, int) else 0)
