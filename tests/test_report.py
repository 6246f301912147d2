import json

import pytest
from click.testing import CliRunner

from learna.cli.main import cli
from learna.designers import RunOutcome
from learna.folding import FoldingModel, mfe_structures
from learna.harness.records import append_record, make_record, read_records, write_run_info
from learna.harness.report import load_run, summarize
from learna.quality import assess
from learna.structure import Target

HAIRPIN = Target("((((....))))", id="h")
SEQUENCES = {True: "GGGGAAAACCCC", False: "AAAAAAAAAAAA"}
TIED = "UACUUAUUCCUUGCAUCGGACGAG"  # folds into TIED_TARGET with a tied MFE
TIED_TARGET = Target(".......(((.......)))....", id="t")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def make_run(directory, method, limit, times):
    """A run directory as `learna benchmark` writes it; ``times[run][target]`` is the time to solve or None."""
    ids = [str(i) for i in range(len(times[0]))]
    write_run_info(directory, {"method": method, "dataset": "eterna100-v2", "time_limit_s": limit, "ids": ids,
                               "runs": len(times)})
    for run_index, row in enumerate(times):
        for target_id, seconds in zip(ids, row):
            target = Target(HAIRPIN.dot_bracket, id=target_id)
            outcome = RunOutcome(SEQUENCES[seconds is not None], seconds or limit, 1, time_to_solve_s=seconds,
                                 time_to_unique_s=seconds)
            record = make_record(target, outcome, FoldingModel(), "prefer", status="finished", time_s=seconds or limit,
                                 method=method, run=run_index, seed=0, startup_s=0.5)
            append_record(directory, record)
    return directory


@pytest.fixture
def runs(tmp_path):
    single = make_run(tmp_path / "a", "learna", 60.0, [[5.0, 30.0, None, None]])
    multi = make_run(tmp_path / "b", "rnainverse", 3600.0,
                     [[1.0, 100.0, None, 2000.0], [20.0, None, None, 3000.0], [None, 700.0, None, None]])
    return single, multi


def test_counts_by_threshold_any_run_and_mean(runs):
    single, multi = map(lambda d: summarize(load_run(d)), runs)
    assert single["solved"] == {"10": {"any": 1, "mean": 1.0}, "60": {"any": 2, "mean": 2.0},
                                "600": None, "3600": None}
    assert single["solved_at_limit"] == {"any": 2, "mean": 2.0} and single["records"] == single["expected"] == 4
    assert single["median_time_to_solve_s"] == 17.5 and single["median_folds_to_solve"] == 1
    quality = assess(HAIRPIN, SEQUENCES[True])  # every solved design is this one; the unsolved ones do not count
    assert single["median_probability"] == pytest.approx(quality.probability) and quality.probability < 0.9
    assert single["median_energy_gap"] == pytest.approx(quality.energy_gap)
    assert multi["median_time_to_solve_s"] == 400  # of 1, 20, 100, 700, 2000, 3000
    # any run: target 0 at 1 s, 1 at 100 s, 3 at 2000 s; per run at 600 s: 2, 1, 0 → mean 1
    assert multi["solved"] == {"10": {"any": 1, "mean": 0.333}, "60": {"any": 1, "mean": 0.667},
                               "600": {"any": 2, "mean": 1.0}, "3600": {"any": 3, "mean": 2.0}}


def test_report_table_json_and_plot(runs, tmp_path):
    plot = tmp_path / "solved.png"
    result = run("report", *runs, "--plot", plot)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["directory", "method", "dataset", "runs", "done", "limit", "10", "s", "60", "s", "600", "s",
                                "1", "h", "at", "limit", "median", "s", "median", "folds", "median", "P", "median", "gap"]
    assert lines[1].split() == ["a", "learna", "eterna100-v2", "1", "4/4", "60", "s", "1", "(1)", "2", "(2)", "-", "-",
                                "2", "(2)", "17.5", "1", "0.840", "1.20"]
    assert lines[2].split() == ["b", "rnainverse", "eterna100-v2", "3", "12/12", "1", "h", "1/0.3", "(1/0.3)", "1/0.7",
                                "(1/0.7)", "2/1.0", "(2/1.0)", "3/2.0", "(3/2.0)", "3/2.0", "(3/2.0)",
                                "400", "1", "0.840", "1.20"]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 5000
    data = json.loads(run("report", *runs, "--json").stdout)
    assert data["thresholds_s"] == [10, 60, 600, 3600]
    assert [r["method"] for r in data["runs"]] == ["learna", "rnainverse"]


def test_plot_puts_a_long_legend_beside_the_axes(runs, tmp_path):
    import io

    from matplotlib.image import imread

    from learna.harness.report import LEGEND_INSIDE, plot_png

    loaded = [load_run(d) for d in runs]
    few = imread(io.BytesIO(plot_png(loaded)))  # 2 runs x (solved, unique) + the mean: inside
    many = [load_run(make_run(tmp_path / f"m{k}", "learna", 60.0, [[1.0 + k, None]])) for k in range(LEGEND_INSIDE)]
    wide = imread(io.BytesIO(plot_png(many)))  # 2 x LEGEND_INSIDE entries: beside the axes, on a wider canvas
    assert few.shape[0] == wide.shape[0] and wide.shape[1] / few.shape[1] == pytest.approx(10.5 / 7.0, abs=0.01)


def test_plot_grows_to_hold_a_legend_of_many_runs(tmp_path):
    from learna.harness.report import _plot_figure

    many = [load_run(make_run(tmp_path / f"m{k}", "learna", 60.0, [[1.0 + k, None]])) for k in range(14)]
    fig = _plot_figure(many, unique=True)  # 28 entries: taller than 4.5 in
    fig.canvas.draw()
    legend = fig.axes[0].get_legend().get_window_extent()
    assert fig.get_size_inches()[1] > 4.5 and legend.y0 >= 0 and legend.y1 <= fig.bbox.height


def test_every_run_gets_its_own_colour():
    from learna.harness.report import run_colours

    for count in (1, 10, 12, 20):
        assert len(set(run_colours(count))) == count
    assert run_colours(21)[20] == run_colours(21)[0]  # tab20 wraps after 20


def test_missing_or_corrupted_run_directories_give_one_line_and_exit_2(runs, tmp_path):
    not_a_run = tmp_path / "empty"
    not_a_run.mkdir()
    torn_middle = make_run(tmp_path / "c", "learna", 60.0, [[1.0, 2.0]])
    lines = (torn_middle / "records.jsonl").read_text().splitlines()
    (torn_middle / "records.jsonl").write_text(lines[0][:20] + "\n" + lines[1] + "\n")
    bad_info = make_run(tmp_path / "d", "learna", 60.0, [[1.0]])
    (bad_info / "run.json").write_text("{broken")
    cases = [(tmp_path / "nowhere", "does not exist"), (not_a_run, "has no run.json"),
             (torn_middle, "line 1 is not valid JSON"), (bad_info, "corrupted run directory")]
    for directory, message in cases:
        result = run("report", directory)
        assert result.exit_code == 2 and message in result.stderr, (directory, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    (tmp_path / "a-file").write_text("")
    result = run("report", runs[0], "--plot", tmp_path / "a-file" / "x.png")
    assert result.exit_code == 2 and "cannot write the plot" in result.stderr


def test_a_torn_last_record_is_ignored(runs):
    path = runs[0] / "records.jsonl"
    path.write_text(path.read_text() + '{"id": "9", "meth')
    assert summarize(load_run(runs[0]))["records"] == 4


def test_tied_solutions_count_as_solved_but_not_uniquely_solved(tmp_path):
    assert len(mfe_structures(TIED)) == 2
    directory = tmp_path / "tied"
    write_run_info(directory, {"method": "hybrid", "dataset": "x.tsv", "time_limit_s": 60, "ids": ["h", "t"]})
    for target, sequence in ((HAIRPIN, "GGGGAAAACCCC"), (TIED_TARGET, TIED)):
        outcome = RunOutcome(sequence, 60.0, 100, time_to_solve_s=2.0, time_to_unique_s=5.0)
        append_record(directory, make_record(target, outcome, FoldingModel(), "prefer", status="finished",
                                             time_s=60.0, method="hybrid", run=0, seed=0, startup_s=0.1))
    summary = summarize(load_run(directory))
    assert summary["solved"]["10"] == {"any": 2, "mean": 2.0} and summary["unique"]["10"] == {"any": 1, "mean": 1.0}
    assert summary["unique"]["60"] == {"any": 1, "mean": 1.0}  # the tie never becomes unique
    assert "2 (1)" in run("report", directory).stdout
    (other,) = [s for s in mfe_structures(TIED) if s != TIED_TARGET.dot_bracket]
    tied = [r for r in read_records(directory) if r.id == "t"][0]
    assert tied.competitor == other and tied.energy_gap == 0
    assert run("report", directory, "--html", tmp_path / "page.html").exit_code == 0
    assert f"tied with <code>{other}</code>" in (tmp_path / "page.html").read_text()
    strict = tmp_path / "strict"
    write_run_info(strict, {"method": "hybrid", "dataset": "x.tsv", "time_limit_s": 60, "ids": ["t"]})
    record = make_record(TIED_TARGET, RunOutcome(TIED, 60.0, 1, time_to_solve_s=2.0), FoldingModel(), "require",
                         status="finished", time_s=60.0, method="hybrid", run=0, seed=0, startup_s=0.1)
    assert not record.solved and record.unique_mfe is False and record.time_to_solve_s is None


@pytest.mark.parametrize(("first", "time", "folds"), [
    ("GGGGAAAACCCC", 2.0, 30),  # the first solution holds up: its own time and folds
    ("AAAAAAAAAAAA", 60.0, 100),  # it does not: the final design counts, at the run's end
])
def test_time_and_folds_to_solve_come_from_the_same_solution(first, time, folds):
    outcome = RunOutcome("GGGCAAAAGCCC", 60.0, 100, time_to_solve_s=2.0, first_solution=first, folds_to_solve=30)
    record = make_record(HAIRPIN, outcome, FoldingModel(), "prefer", status="finished", time_s=60.0,
                         method="hybrid", run=0, seed=0, startup_s=0.1)
    assert record.solved and (record.time_to_solve_s, record.folds_to_solve, record.folds) == (time, folds, 100)
    unsolved = make_record(HAIRPIN, RunOutcome("AAAAAAAAAAAA", 60.0, 100, folds_to_solve=30), FoldingModel(),
                           "prefer", status="finished", time_s=60.0, method="hybrid", run=0, seed=0, startup_s=0.1)
    assert not unsolved.solved and unsolved.folds_to_solve is None and unsolved.time_to_solve_s is None


def test_duplicate_records_are_flagged(runs):
    directory = runs[0]
    path = directory / "records.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + lines[:2]) + "\n")  # as two writers would leave it
    summary = summarize(load_run(directory))
    assert summary["duplicates"] == [["0", 0], ["1", 0]] and summary["records"] == 4
    result = run("report", directory)
    assert "warning:" in result.stdout and "2 (target, run) pair(s) recorded more than once" in result.stdout


@pytest.mark.parametrize(("field", "value", "where"), [
    ("run", "zero", "record"), ("time_to_solve_s", "fast", "record"), ("solved", "yes", "record"),
    ("run", -1, "record"), ("ids", 5, "run.json"), ("runs", "one", "run.json"), ("time_limit_s", None, "run.json"),
    ("polish_s", "long", "run.json"), ("polish_s", -1, "run.json"),
])
def test_wrong_types_in_records_or_run_json_give_one_line_and_exit_2(runs, field, value, where):
    directory = runs[0]
    if where == "record":
        path = directory / "records.jsonl"
        lines = path.read_text().splitlines()
        path.write_text("\n".join([json.dumps({**json.loads(lines[0]), field: value}), *lines[1:]]) + "\n")
    else:
        path = directory / "run.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), field: value}))
    for args in ((), ("--json",)):
        result = run("report", directory, *args)
        assert result.exit_code == 2, result.output
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
        assert "corrupted" in result.stderr


def test_the_html_report_parses_and_names_every_design(runs, tmp_path):
    """One self-contained page: the summary table, the plot and one drawing per design, captioned."""
    from html.parser import HTMLParser

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.images, self.figures, self.tables, self.captions, self._caption = [], [], 0, [], False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            self.tables += tag == "table"
            if tag == "img":
                self.images.append(attrs["src"].split(",")[0])
            if tag == "figure":
                self.figures.append(attrs["data-id"])
            self._caption = tag == "figcaption" or self._caption

        def handle_endtag(self, tag):
            self._caption = self._caption and tag != "figcaption"

        def handle_data(self, data):
            if self._caption and " · " in data:
                self.captions.append(data)

    page_path = tmp_path / "report.html"
    result = run("report", *runs, "--html", page_path)
    assert result.exit_code == 0, result.output
    page = Page()
    page.feed(page_path.read_text())
    records = [r for directory in runs for r in read_records(directory)]
    assert page.tables == 3 and page.images.count("data:image/png;base64") == 1
    assert sorted(page.figures) == sorted(r.id for r in records)  # every design is drawn (all have a sequence)
    assert page.images.count("data:image/svg+xml;base64") == len(records)
    assert all(any(c.startswith(f"{r.id} · {r.method} · run {r.run} · ") for c in page.captions) for r in records)
    assert "(1)" in page_path.read_text() and "<svg" not in page_path.read_text()  # drawings are data URIs


def test_design_drawings_are_written_as_svg(tmp_path):
    result = run("design", "-t", "((((....))))..((((....))))", "--designs", 2, "--mode", "learna", "--svg",
                 tmp_path / "svg", "-q", "--time-limit", 20)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "svg").iterdir())
    assert names == ["target_1.svg", "target_2.svg"]
    svg = (tmp_path / "svg" / "target_1.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and svg.count("<text") >= 26  # one letter per base
