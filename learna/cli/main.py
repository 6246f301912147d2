"""Entry point of the ``learna`` command: the group, version flag and the one place errors become messages.

Every user error ends as one line on stderr and exit code 2: a :class:`~learna.errors.LearnaError` from the
library, and click's own usage errors (a missing option, a value of the wrong type). Ctrl-C exits 130
with one line; a closed stdout (``learna design … | head -1``) ends the command quietly.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from learna import __version__
from learna.errors import LearnaError

# subcommand name -> ("module:attribute", summary); modules are imported only when their command runs (not for
# `learna --help`), so the help stays fast and a broken optional dependency cannot break other commands.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "design": ("learna.cli.design:design", "Design RNA sequences that fold into the target structure(s)."),
    "benchmark": ("learna.cli.benchmark:benchmark", "Run a method on a dataset's targets, recording every result."),
    "report": ("learna.cli.report:report", "Solved and uniquely solved counts over time of run directories."),
    "data": ("learna.cli.data:data", "Shipped benchmark datasets and reproducible random targets."),
    "hpo": ("learna.cli.hpo:hpo", "Meta-optimise the designer with BOHB (hpbandster)."),
    "meta-train": ("learna.cli.meta_train:meta_train", "Meta-train a policy for the meta-learna modes."),
}


def one_line(message: object) -> str:
    """``message`` with all whitespace runs (newlines included) folded into single spaces."""
    return " ".join(str(message).split())


class LearnaGroup(click.Group):
    """A click group that loads subcommands lazily and turns every user error into one line and exit 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        module_name, attribute = SUBCOMMANDS[cmd_name][0].split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from :data:`SUBCOMMANDS`, without importing the commands."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, summary) in sorted(SUBCOMMANDS.items())])

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            _fail("interrupted", 130)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "learna"
            _fail(f"{one_line(exc.format_message())} (see '{where} --help')", 2)
        except click.ClickException as exc:
            _fail(one_line(exc.format_message()), exc.exit_code)
        except LearnaError as exc:
            _fail(one_line(exc), 2)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except BrokenPipeError:
            _quiet_broken_pipe()
        sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}" if code == 2 else message, err=True)
    sys.exit(code)


def _quiet_broken_pipe() -> None:
    """The reader of stdout went away: stop without a traceback (and without Python's own complaint at exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(141)


@click.group(cls=LearnaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="learna", message="%(prog)s %(version)s")
def cli() -> None:
    """Design RNA sequences that fold into a target secondary structure."""


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="learna")


if __name__ == "__main__":
    main()
