"""Entry point of the `lanner` command."""

from __future__ import annotations

import click

from lanner import __version__
from lanner.cli.execution import execution_group
from lanner.cli.flow import flow_group
from lanner.cli.kv import kv_group
from lanner.cli.log_setup import configure_logging
from lanner.cli.namespace import namespace_group
from lanner.cli.revision import diff_command, revisions_command
from lanner.cli.server import server_group
from lanner.cli.system import sys_group
from lanner.cli.trigger import trigger_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lanner")
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default=None,
    help="Level of log messages on standard error (default: INFO for `lanner server` "
    "commands, WARNING otherwise).",
)
@click.pass_context
def cli(context: click.Context, log_level: str | None) -> None:
    """Lanner runs Kestra-style YAML flows."""
    configure_logging(log_level, server=context.invoked_subcommand == "server")


cli.add_command(flow_group)
cli.add_command(execution_group)
cli.add_command(server_group)
cli.add_command(sys_group)
cli.add_command(namespace_group)
cli.add_command(trigger_group)
cli.add_command(kv_group)
flow_group.add_command(revisions_command)
flow_group.add_command(diff_command)


def main() -> None:
    cli(prog_name="lanner")
