"""One self-contained HTML page for run directories: the summary table, the solved-vs-time plot and a drawing
of every design (``learna report DIR... --html OUT``).

Everything is inline (the plot as a PNG data URI, each drawing as ViennaRNA's own SVG in a data URI), so the
file can be mailed or archived alone. Each design is a ``<figure>`` whose caption names the target, the method
and whether it solved the target uniquely; the per-run tables list every record's quality numbers.
"""

from __future__ import annotations

import base64
import html
from datetime import datetime, timezone
from pathlib import Path

from learna import __version__
from learna.fileio import atomic_write_text
from learna.folding import svg_drawing
from learna.harness.records import Record, latest_records, read_records
from learna.harness.report import THRESHOLDS_S, RunResults, fixed, method_label, number, plot_png, summarize

STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:72em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}
figure{display:inline-block;margin:.5em;vertical-align:top;width:18em}figure img{width:100%}
figcaption{font-size:.85em}code{font-size:.8em;word-break:break-all}"""


def write_html(runs: list[RunResults], path: str | Path) -> None:
    """Write the page for ``runs`` to ``path`` atomically."""
    summaries = [summarize(results) for results in runs]
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>learna report</title>"
             f"<style>{STYLE}</style></head><body><h1>learna report</h1>",
             f"<p>learna {html.escape(__version__)}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Targets solved "
             "(in brackets: uniquely solved, the target being the only MFE structure) within each time.</p>",
             _summary_table(summaries),
             f"<img alt='solved over time' src='data:image/png;base64,{_b64(plot_png(runs))}'>"]
    parts += [_run_section(results) for results in runs]
    parts.append("</body></html>")
    atomic_write_text(Path(path), "\n".join(parts))


def _b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def _summary_table(summaries: list[dict]) -> str:
    head = "".join(f"<th>{t:g} s</th>" for t in THRESHOLDS_S)
    rows = []
    for s in summaries:
        cells = "".join("<td>-</td>" if s["solved"][f"{t:g}"] is None else
                        f"<td>{s['solved'][f'{t:g}']['any']} ({s['unique'][f'{t:g}']['any']})</td>" for t in THRESHOLDS_S)
        rows.append(f"<tr><td class='l'>{html.escape(method_label(s))}</td><td class='l'>{html.escape(s['dataset'])}</td>"
                    f"<td>{s['records']}/{s['expected']}</td><td>{s['time_limit_s']:g} s</td>{cells}"
                    f"<td>{s['solved_at_limit']['any']} ({s['unique_at_limit']['any']})</td>"
                    f"<td>{number(s['median_time_to_solve_s'])}</td><td>{number(s['median_folds_to_solve'])}</td>"
                    f"<td>{fixed(s['median_probability'], 3)}</td><td>{fixed(s['median_energy_gap'], 2)}</td></tr>")
    return (f"<table id='summary'><tr><th class='l'>method</th><th class='l'>dataset</th><th>done</th><th>limit</th>"
            f"{head}<th>at limit</th><th>median s</th><th>median folds</th><th>median P(target)</th>"
            f"<th>median energy gap (kcal/mol)</th></tr>{''.join(rows)}</table>")


def _run_section(results: RunResults) -> str:
    records = sorted(latest_records(read_records(results.directory)).values(), key=lambda r: (r.run, _order(r.id)))
    title = f"{results.method} on {results.dataset}"
    rows = "".join(_record_row(r) for r in records)
    figures = "".join(_figure(r) for r in records if r.sequence)
    return (f"<section><h2>{html.escape(title)}</h2><p><code>{html.escape(str(results.directory))}</code></p>"
            "<table><tr><th class='l'>target</th><th>run</th><th>nt</th><th>solved</th><th>unique MFE</th>"
            "<th>time to solve (s)</th><th>distance</th><th>energy gap (kcal/mol)</th><th>P(target)</th>"
            f"<th>ensemble defect</th></tr>{rows}</table>{figures}</section>")


def _order(target_id: str) -> tuple:
    return (0, int(target_id), "") if target_id.isdigit() else (1, 0, target_id)


def _number(value, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def _record_row(record: Record) -> str:
    cells = [record.run, record.length, "yes" if record.solved else "no",
             "" if record.unique_mfe is None else "yes" if record.unique_mfe else "tied",
             _number(record.time_to_solve_s), _number(record.distance), _number(record.energy_gap),
             _number(record.probability), _number(record.ensemble_defect)]
    return f"<tr><td class='l'>{html.escape(record.id)}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _figure(record: Record) -> str:
    state = ("solved, unique MFE" if record.unique_mfe else "solved, tied MFE") if record.solved else \
        f"not solved (distance {record.distance})"
    caption = f"{record.id} · {record.method} · run {record.run} · {state}"
    drawing = _b64(svg_drawing(record.sequence, record.folded or record.target))
    tie = (f"<br>tied with <code>{html.escape(record.competitor)}</code>"
           if record.solved and record.unique_mfe is False and record.competitor else "")
    return (f"<figure class='design' data-id='{html.escape(record.id)}'><img alt='{html.escape(caption)}' "
            f"src='data:image/svg+xml;base64,{drawing}'><figcaption>{html.escape(caption)}<br>"
            f"<code>{html.escape(record.sequence)}</code>{tie}</figcaption></figure>")
