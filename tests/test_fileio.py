import json
import os
import stat

import pytest

from learna.errors import InputFileError
from learna.fileio import append_jsonl, atomic_write_json, atomic_write_text, read_jsonl


def test_atomic_write_replaces_whole_file_with_normal_permissions(tmp_path):
    path = tmp_path / "sub" / "out.json"
    atomic_write_json(path, {"b": 1, "a": [1, 2]})
    atomic_write_json(path, {"c": 3})
    assert json.loads(path.read_text()) == {"c": 3}
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in path.parent.iterdir()] == ["out.json"]  # no temporary file left behind


def test_jsonl_appends_and_skips_only_a_torn_last_line(tmp_path):
    path = tmp_path / "records.jsonl"
    append_jsonl(path, {"id": 1})
    append_jsonl(path, {"id": 2})
    with open(path, "a") as handle:
        handle.write('{"id": 3, "seq')  # a crash mid-write
    assert [r["id"] for r in read_jsonl(path)] == [1, 2]
    atomic_write_text(path, '{"id": 1}\nnot json\n{"id": 2}\n')
    with pytest.raises(InputFileError):
        list(read_jsonl(path))


def test_claim_run_dir_refuses_a_taken_directory_and_other_settings_but_resumes_without_recorded_ones(tmp_path):
    from learna.configio import claim_run_dir
    from learna.errors import ConfigError
    from learna.search import SearchConfig

    settings = {"search": SearchConfig(), "seed": 1}
    claim_run_dir(tmp_path, "run.json", settings, resume=False, holds_run=False, what="a run")
    written = {"search": json.loads(json.dumps(SearchConfig().to_dict())), "seed": 1}
    assert json.loads((tmp_path / "run.json").read_text()) == written
    with pytest.raises(ConfigError, match="holds a run: pass --resume"):
        claim_run_dir(tmp_path, "run.json", settings, resume=False, holds_run=True, what="a run")
    with pytest.raises(ConfigError, match="was run with other settings"):
        claim_run_dir(tmp_path, "run.json", {**settings, "seed": 2}, resume=True, holds_run=True, what="a run")
    claim_run_dir(tmp_path, "run.json", settings, resume=True, holds_run=True, what="a run")
    (tmp_path / "run.json").unlink()  # a run that crashed before it recorded its settings resumes, as asked
    claim_run_dir(tmp_path, "run.json", settings, resume=True, holds_run=True, what="a run")
    assert json.loads((tmp_path / "run.json").read_text()) == written
