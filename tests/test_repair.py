"""The repair policy: features, the network file, the search's use of it, and its training (real folds)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from learna.cli.main import cli
from learna.errors import ConfigError
from learna.folding import fold_structure
from learna.presets import HYBRID_TUNED
from learna.repair_training import POLICY_FILE, PROGRESS_FILE, RepairTrainingConfig, train_repair
from learna.search import MoveSet, SearchConfig, local_search
from learna.search.repair import (CONTEXTS, FEATURES, Repair, RepairLog, RepairPolicy, shipped_repair_policy,
                                  site_contexts, variant_features)
from learna.seeding import generator
from learna.structure import Target

# the MFE-distance search (the repair policy re-weights its energy-informed moves; short targets would use 1 − P)
SEARCH = replace(HYBRID_TUNED.hybrid.search, require_unique=True, short_length=0)


def context_names(structure: str) -> list[str]:
    return [CONTEXTS[c] for c in site_contexts(MoveSet(Target(structure), SearchConfig()))]


def test_site_contexts_name_helix_position_and_loop_kind() -> None:
    #            0 1 2 3 4 5 6 7 8 9 ...
    structure = ".((.((....)).))."
    names = context_names(structure)
    assert names[0] == "exterior-next" and names[15] == "exterior-next"
    assert names[1] == "pair5-end" and names[2] == "pair5-end"  # (1,14) stacked on (2,13) only
    assert names[13] == "pair3-end" and names[14] == "pair3-end"
    assert names[3] == "interior-next"  # the 1-nt bulge between the two helices
    assert names[4] == "pair5-end" and names[5] == "pair5-end"
    assert names[6] == "hairpin-next" and names[7] == "hairpin-inner" and names[9] == "hairpin-next"
    assert context_names("(.(...).(...).)")[1] == "multi-next"
    assert context_names("..(...)....")[0] == "exterior-inner"
    assert context_names(".(.((...)).).")[1] == "pair5-lone"
    assert context_names("(((...)))")[1] == "pair5-inner" and context_names("(((...)))")[7] == "pair3-inner"


def test_variant_features_count_what_the_move_changes_and_relative_energies() -> None:
    contexts = np.array([0, 6, 3])
    parent = np.array([2, 0, 1])  # G A C at the three positions
    children = np.array([[2, 0, 1], [2, 2, 1]])  # unchanged, and A→G at the hairpin site
    energies = np.array([[-1.0, -5.0, -2.0], [9.0, -3.0, 40.0]])
    features = variant_features(parent, children, np.arange(3), contexts, energies)
    assert features.shape == (2, FEATURES)
    assert np.all(features[0, : len(CONTEXTS) * 4] == 0)  # nothing changed, nothing counted
    changed = np.flatnonzero(features[1, : len(CONTEXTS) * 4])
    assert set(changed) == {6 * 4 + 0, 6 * 4 + 2}
    assert features[1, 6 * 4 + 2] == 1 and features[1, 6 * 4 + 0] == -1
    assert np.allclose(features[:, -3:], [[0, 0, 0], [2.0, 0.4, 4.0]])  # (Δ / 5 kcal/mol), clipped at 4


def _policy(bias_to: int, strength: float) -> RepairPolicy:
    """A policy whose P(improve) rises with feature ``bias_to``."""
    hidden = np.zeros((FEATURES, 1))
    hidden[bias_to, 0] = 1.0
    return RepairPolicy(hidden, np.zeros(1), np.array([strength]), -1.0, {"test": True})


def test_policy_file_round_trip_and_clear_errors(tmp_path: Path) -> None:
    policy = _policy(3, 2.0)
    policy.save(tmp_path / "p.npz")
    loaded = RepairPolicy.load(tmp_path / "p.npz")
    x = np.random.default_rng(0).normal(size=(5, FEATURES))
    assert np.allclose(loaded.log_improve(x), policy.log_improve(x)) and loaded.metadata == {"test": True}
    assert np.all(policy.log_improve(x) < 0)
    with pytest.raises(ConfigError, match="no such file"):
        RepairPolicy.load(tmp_path / "missing.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a file of weights")
    with pytest.raises(ConfigError, match="not a repair policy file"):
        RepairPolicy.load(tmp_path / "bad.npz")
    with pytest.raises(ConfigError, match="shapes"):
        RepairPolicy(np.zeros((3, 2)), np.zeros(2), np.zeros(2), 0.0)
    with pytest.raises(ConfigError, match="finite"):
        RepairPolicy(np.full((FEATURES, 1), np.nan), np.zeros(1), np.zeros(1), 0.0)


def test_shipped_policy_loads_and_prefers_some_moves() -> None:
    policy = shipped_repair_policy()
    assert policy.metadata["validation"]["validation_auc"] > 0.5
    x = np.random.default_rng(1).normal(size=(50, FEATURES))
    assert np.ptp(policy.log_improve(x)) > 0.01  # it re-weights variants, not a constant


TARGET = Target("..(((((....)))))((........)).((........)).((........))((....))")  # 53 folds, seed 3


def test_recording_examples_does_not_change_the_search() -> None:
    plain = local_search(TARGET, SEARCH, max_evaluations=60, rng=generator(3))
    log = RepairLog()
    logged = local_search(TARGET, SEARCH, max_evaluations=60, rng=generator(3), repair=Repair(log=log))
    assert (plain.sequence, plain.evaluations, plain.steps) == (logged.sequence, logged.evaluations, logged.steps)
    features, improved = log.arrays()
    assert features.shape[1] == FEATURES and len(features) >= logged.steps - 1 and len(improved) == len(features)
    assert 0 < improved.mean() < 1


def test_repair_weight_biases_the_search_and_designs_are_refolded() -> None:
    config = replace(SEARCH, repair_weight=1.0)
    strong = Repair(_policy(len(CONTEXTS) * 4, -5.0))  # a low energy score makes improvement likely
    first = local_search(TARGET, config, max_evaluations=400, rng=generator(4), repair=strong)
    again = local_search(TARGET, config, max_evaluations=400, rng=generator(4), repair=strong)
    plain = local_search(TARGET, SEARCH, max_evaluations=400, rng=generator(4))
    assert first.solved and fold_structure(first.sequence) == TARGET.dot_bracket
    assert first.sequence == again.sequence  # seeded
    assert (first.sequence, first.steps) != (plain.sequence, plain.steps)  # the policy changed the draws
    shipped = local_search(TARGET, config, max_evaluations=400, rng=generator(4))
    assert shipped.solved and fold_structure(shipped.sequence) == TARGET.dot_bracket


def test_repair_weight_is_validated() -> None:
    with pytest.raises(ConfigError, match="repair_weight"):
        SearchConfig(repair_weight=-1.0)
    with pytest.raises(ConfigError, match="repair_weight"):
        SearchConfig(repair_weight=float("nan"))


def test_training_collects_fits_and_resumes(tmp_path: Path) -> None:
    settings = RepairTrainingConfig(targets=4, min_length=40, max_length=70, folds_per_target=60, epochs=3)
    out = tmp_path / "run"
    result = train_repair(SEARCH, settings, HYBRID_TUNED.env.folding, 300.0, 0, out, workers=2)
    policy = RepairPolicy.load(out / POLICY_FILE)
    assert result.targets >= 2 and result.examples > 50
    assert policy.metadata["examples"] == result.examples
    rows = (out / PROGRESS_FILE).read_text().splitlines()
    assert len(rows) == 3
    before = sorted(p.stat().st_mtime_ns for p in (out / "examples").iterdir())
    train_repair(SEARCH, settings, HYBRID_TUNED.env.folding, 300.0, 0, out, workers=2, resume=True)
    assert sorted(p.stat().st_mtime_ns for p in (out / "examples").iterdir()) == before  # nothing re-designed
    recorded = json.loads((out / "run.json").read_text())  # as a run recorded before a setting was added
    del recorded["repair"]["weight_decay"], recorded["search"]["repair_weight"]
    (out / "run.json").write_text(json.dumps(recorded))
    train_repair(SEARCH, settings, HYBRID_TUNED.env.folding, 300.0, 0, out, workers=2, resume=True)
    with pytest.raises(ConfigError, match="other settings"):
        train_repair(SEARCH, replace(settings, folds_per_target=61), HYBRID_TUNED.env.folding, 300.0, 0, out,
                     resume=True)
    with pytest.raises(ConfigError, match="--resume"):
        train_repair(SEARCH, settings, HYBRID_TUNED.env.folding, 300.0, 0, out)


def test_cli_refuses_a_missing_repair_policy(tmp_path: Path) -> None:
    config = tmp_path / "c.json"
    config.write_text('{"hybrid": {"repair_path": "no/such.npz", "search": {"repair_weight": 1.0}}}')
    result = CliRunner().invoke(cli, ["design", "--target", "((((....))))", "--config", str(config)])
    assert result.exit_code == 2
    assert "repair_path no/such.npz: no such file" in result.output and "Traceback" not in result.output
