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
