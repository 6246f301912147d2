"""``learna report``: solved and uniquely solved counts over time of run directories (table, JSON, plot)."""

from __future__ import annotations

import json

import click


@click.command()
@click.argument("directories", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the summaries as JSON on stdout.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False),
              help="Write solved (solid) and uniquely solved (dotted) counts over time as a PNG.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False),
              help="Write one self-contained HTML page: the table, the plot and a drawing of every design.")
def report(directories, as_json, plot_path, html_path):
    """Solved counts over time of run directories written by `learna benchmark`.

    Shard directories of one run (`learna benchmark --shard K/N`) are reported together, as that run."""
    from learna.harness.report import THRESHOLDS_S, format_table, load_runs, plot, summarize

    runs = load_runs(directories)
    summaries = [summarize(results) for results in runs]
    if as_json:
        click.echo(json.dumps({"thresholds_s": list(THRESHOLDS_S), "runs": summaries}, indent=2))
    else:
        click.echo(format_table(summaries))
    if plot_path:
        plot(runs, plot_path)
        click.echo(f"plot written to {plot_path}", err=True)
    if html_path:
        from learna.harness.html import write_html

        write_html(runs, html_path)
        click.echo(f"report written to {html_path}", err=True)
