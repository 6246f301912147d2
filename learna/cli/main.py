"""Entry point of the ``learna`` command: the group, version flag and the one place errors become messages."""

from __future__ import annotations

import importlib
import sys

import click

from learna import __version__
from learna.errors import LearnaError

# subcommand name -> "module:attribute"; modules are imported only when their command runs,
# so `learna --help` stays fast and a broken optional dependency cannot break other commands.
SUBCOMMANDS: dict[str, str] = {
    "design": "learna.cli.design:design",
    "benchmark": "learna.cli.benchmark:benchmark",
    "report": "learna.cli.report:report",
    "data": "learna.cli.data:data",
    "hpo": "learna.cli.hpo:hpo",
    "meta-train": "learna.cli.meta_train:meta_train",
}


class LearnaGroup(click.Group):
    """A click group that loads subcommands lazily and turns :class:`LearnaError` into exit code 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in SUBCOMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        if name not in SUBCOMMANDS:
            return None
        module_name, attribute = SUBCOMMANDS[name].split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # not written yet
                return None
            raise
        return getattr(module, attribute)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LearnaError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=LearnaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="learna", message="%(prog)s %(version)s")
def cli() -> None:
    """Design RNA sequences that fold into a target secondary structure."""


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="learna")


if __name__ == "__main__":
    sys.exit(main())
