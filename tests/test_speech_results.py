"""The committed speech ablation and seed results agree with the recipes, the checkpoint rule and their tables."""
import json
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import speech_ablation as A  # noqa: E402

FILES = ["ablation.json", "seeds.json", "voices.json", "voices_seeds.json"]


def _results(name: str) -> dict:
    path = ROOT / "outputs" / "speech_ablation" / name
    if not path.is_file():
        pytest.skip(f"{path} not committed")
    return json.loads(path.read_text())


@pytest.mark.parametrize("name", FILES)
def test_every_stored_run_used_its_variants_recipe(name):
    for key, run in _results(name)["variants"].items():
        recipe = json.loads(json.dumps(asdict(A.VARIANTS[key.split("/")[0]][0])))
        assert {**recipe, **run["recipe"]} == recipe, key  # fields added later hold their defaults


@pytest.mark.parametrize("name", FILES)
def test_the_kept_epochs_follow_their_rules(name):
    for key, run in _results(name)["variants"].items():
        octave, kept = run["scores_per_epoch"]["tail_octave"], run["rules"]
        assert octave[kept["tail+octave"]["epoch"] - 1] == max(octave) == kept["tail+octave"]["tail_octave_snr_db"], key
        assert kept["last"]["epoch"] == len(octave) == run["recipe"]["epochs"], key
        if "tail_bass" in run["scores_per_epoch"]:  # the three validation signals of the rule "voices"
            sc = run["scores_per_epoch"]
            mean = [(a + b + c) / 3 for a, b, c in zip(sc["tail"], octave, sc["tail_bass"])]
            assert mean[kept["voices"]["epoch"] - 1] == max(mean), key


@pytest.mark.parametrize("name", FILES)
def test_the_flat_table_repeats_the_stored_runs_with_current_descriptions(name):
    results = _results(name)
    for row in results["runs"]:
        key = row["name"].split(",")[0]
        kept = results["variants"][key]["rules"][row["rule"]]
        assert (row["epoch"], row["tail_snr_db"], row["test12_snr_db"]) == (
            kept["epoch"], kept["tail_snr_db"], kept["test12_snr_db"]), row["name"]
        recipe = A.VARIANTS[key.split("/")[0]][0]
        if row["name"] == key:  # the row of the recipe's own rule
            assert (row["rule"], row["change"]) == (recipe.checkpoint, A.VARIANTS[key.split("/")[0]][1]), key


def test_seeds_table_gives_mean_and_sd_at_the_kept_and_the_last_epoch(tmp_path):
    import helpers as H

    def run(tail, last):
        kept = {"tail_snr_db": tail, "test12_snr_db": 14.0, "test11_snr_db": 15.0}
        return {"rules": {"tail+octave": kept, "last": {**kept, "tail_snr_db": last}}, "recipe": {}}

    path = tmp_path / "seeds.json"
    path.write_text(json.dumps({"default_rule": "tail+octave",
                                "variants": {"dnn-final/seed0": run(12.0, 11.0), "dnn-final/seed1": run(12.2, 11.4)}}))
    row = H.seeds_table(path).splitlines()[2]
    assert row == "| dnn-final | 2 | 12.10 ± 0.14 | 14.00 ± 0.00 | 15.00 ± 0.00 | 11.20 ± 0.28 |"


def test_a_globally_standardised_model_can_restore_its_kept_epoch():
    import copy

    import torch

    model = A.build_model(A.VARIANTS["dnn-low-global-norm"][0], torch.rand(64, 513))
    assert torch.all(model.log_mean == model.log_mean[0]) and torch.all(model.log_std == model.log_std[0])
    model.load_state_dict(copy.deepcopy(model.state_dict()))  # what fit_denoiser does with the kept epoch


def test_the_ablation_wraps_a_cnn_in_a_per_bin_path_when_its_recipe_asks():
    import torch

    import helpers as H

    model = A.build_model(A.VARIANTS["cnn-voices-h1024-local"][0], torch.rand(64, 513))
    assert isinstance(model.body, H.LocalPath) and isinstance(model.body.body, H.FrequencyCNN)
    assert model(torch.rand(3, 513)).shape == (3, 513)
