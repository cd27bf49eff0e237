"""benchmarks/checkpoint_rules.py: each checkpoint rule judged by the dev voices at the epoch it keeps."""
import json
import subprocess
import sys

import pytest
from conftest import ROOT

import helpers as H

DEV = ("12", "21", "22", "23", "24", "25", "26")


def fake_run(validation: list[float], dev: list[float]) -> dict:
    """A stored ablation run: the three validation signals equal to `validation`, every dev voice equal to `dev`."""
    scores = {k: validation for k in ("tail", "tail_octave", "tail_bass")}
    scores.update({f"test{p}": dev for p in (*DEV, "11")})
    return {"seed": 0, "scores_per_epoch": scores, "rules": {}}


def test_rules_are_scored_by_the_dev_voices_at_the_epoch_they_keep(tmp_path):
    # validation peaks at epoch 2, is within 0.3 dB of it at epoch 4, and the dev voices keep improving
    runs = {"dnn-a": fake_run([10.0, 12.0, 11.0, 11.8, 11.0], [8.0, 9.0, 10.0, 11.0, 12.0]),
            "dnn-b": fake_run([10.0, 12.0, 11.0, 11.75, 11.0], [8.0, 9.5, 10.0, 11.0, 12.0]),
            "dnn-c": fake_run([10.0, 12.0, 11.0, 11.9, 11.0], [8.0, 9.0, 10.0, 11.5, 12.0]),
            "dnn-a/seed1": {**fake_run([1.0, 2.0], [1.0, 2.0]), "copied_from": "elsewhere"}}  # a copy: not counted
    src = tmp_path / "voices.json"
    src.write_text(json.dumps({"variants": runs}))
    out = tmp_path / "rules.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "checkpoint_rules.py"), "--runs", str(src),
                    "--out", str(out)], check=True, capture_output=True)
    result = json.loads(out.read_text())
    assert result["runs"] == ["dnn-a", "dnn-b", "dnn-c"] and "cnn" not in result["groups"]
    rules = result["groups"]["dnn"]["rules"]
    assert rules["voices"]["mean_epoch"] == 2
    assert rules["voices"]["mean_snr_db"]["mean"] == pytest.approx((9.0 + 9.5 + 9.0) / 3)
    assert rules["voices within 0.3 dB"]["mean_epoch"] == 4 and rules["last"]["mean_epoch"] == 5
    within = rules["voices within 0.3 dB"]["mean_snr_db"]
    assert within["difference"] == pytest.approx(H.paired_interval([11.0, 11.0, 11.5], [9.0, 9.5, 9.0])[0])
    assert within["low"] > 0
    assert rules["voices within 0.1 dB"]["mean_epoch"] == pytest.approx((2 + 2 + 4) / 3)  # only dnn-c's 11.9


def test_too_few_runs_name_the_file_and_the_fix(tmp_path):
    src = tmp_path / "voices.json"
    src.write_text(json.dumps({"variants": {}}))
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "checkpoint_rules.py"), "--runs", str(src),
                           "--out", str(tmp_path / "rules.json")], capture_output=True, text=True)
    assert done.returncode != 0 and str(src) in done.stderr and "speech_ablation.py" in done.stderr
    assert not (tmp_path / "rules.json").exists()


def test_the_chosen_tolerance_is_the_smallest_of_at_least_twice_the_validation_noise():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import checkpoint_rules

    assert checkpoint_rules.chosen_tolerance(0.13) == 0.3  # 0.26 rounds up to the grid's 0.3
    assert checkpoint_rules.chosen_tolerance(0.01) == 0.1 and checkpoint_rules.chosen_tolerance(2.0) == 1.0


def test_seed_studies_are_compared_at_the_chosen_tolerance(tmp_path):
    # a smooth validation curve (noise about 0.03 dB: tolerance 0.1) peaking at epoch 3, within 0.1 dB until epoch 5
    val = [11.8, 11.9, 12.0, 11.95, 11.92, 11.87, 11.82, 11.77, 11.72, 11.67]

    def dev(at_epoch5):
        return [8.0, 9.0, 10.0, 10.5, at_epoch5, 11.0, 11.0, 11.0, 11.0, 11.0]

    seeds = {"dnn-voices/seed0": fake_run(val, dev(11.0)), "dnn-voices/seed1": fake_run(val, dev(11.2)),
             "dnn-voices-noise0/seed0": fake_run(val, dev(12.0)), "dnn-voices-noise0/seed1": fake_run(val, dev(12.4))}
    src = tmp_path / "seeds.json"
    src.write_text(json.dumps({"variants": seeds}))
    out = tmp_path / "rules.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "checkpoint_rules.py"), "--runs", str(src),
                    "--seeds", str(src), "--out", str(out)], check=True, capture_output=True)
    result = json.loads(out.read_text())
    found = result["seeds_at_chosen_tolerance"]
    assert found["tolerance_db"] == result["chosen_tolerance_db"] == 0.1
    assert found["variants"]["dnn-voices"]["epochs"] == [5, 5]
    (row,) = found["differences"]
    assert (row["a"], row["b"]) == ("dnn-voices-noise0", "dnn-voices")
    assert row["mean_snr_db"]["difference"] == pytest.approx(H.welch_interval([12.0, 12.4], [11.0, 11.2])[0])
    assert "dnn-voices-noise0 − dnn-voices" in H.tolerance_seeds_table(out)


def test_seed_comparison_at_a_tolerance_scores_each_seed_at_the_notebooks_epoch(tmp_path):
    val = [10.0, 12.0, 11.0, 11.8, 11.0]  # best epoch 2; epoch 4 within 0.3 dB of it
    seeds = {"a/seed0": fake_run(val, [8.0, 9.0, 10.0, 12.0, 12.0]),
             "a/seed1": fake_run(val, [8.0, 9.0, 10.0, 12.5, 12.0]),
             "b/seed0": fake_run(val, [8.0, 9.5, 10.0, 11.0, 12.0]),
             "b/seed1": fake_run(val, [8.0, 9.5, 10.0, 11.5, 12.0])}
    path = tmp_path / "seeds.json"
    path.write_text(json.dumps({"variants": seeds}))
    found = H.seed_comparison(path, "a", "b", tolerance=0.3)
    assert found["a_dev_means"] == [12.0, 12.5] and found["b_dev_means"] == [11.0, 11.5]  # epoch 4, not 2
    assert found["difference_db"] == pytest.approx(1.0) and found["tolerance_db"] == 0.3


def seeds_file(tmp_path, dev_means: list[float]):
    """A checkpoint_rules.json with one seed study, of 'dnn-a': these dev means, male means 10, 11, ..."""
    n = len(dev_means)
    study = {"epochs": [40] * n, "mean_snr_db": dev_means, "male_mean_snr_db": [10.0 + i for i in range(n)],
             "worst_snr_db": [9.0] * n, "tail_snr_db": [12.0] * n, "test12_snr_db": [15.0] * n}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"seeds_at_chosen_tolerance": {"tolerance_db": 0.3, "variants": {"dnn-a": study}}}))
    return path


def test_recipe_seeds_summarises_one_recipes_study(tmp_path):
    seeds = H.recipe_seeds(seeds_file(tmp_path, [14.0, 14.5, 14.3]), "dnn-a")
    assert seeds["seeds"] == 3 and seeds["tolerance_db"] == 0.3
    assert seeds["mean_snr_db"] == pytest.approx({"mean": 14.266667, "sd": 0.251661, "min": 14.0, "max": 14.5})
    assert seeds["male_mean_snr_db"]["mean"] == pytest.approx(11.0)
    assert H.recipe_seeds(seeds_file(tmp_path, [14.0, 14.5]), "dnn-b") is None  # no study of that recipe
    assert H.recipe_seeds(seeds_file(tmp_path, [14.0]), "dnn-a") is None  # one seed is no study
    assert H.recipe_seeds(tmp_path / "missing.json", "dnn-a") is None


@pytest.mark.parametrize("this_run, where", [(14.6, "above"), (14.3, "within"), (13.9, "below"), (14.501, "within")])
def test_recipe_seeds_sentence_places_this_run_among_the_seeds(tmp_path, this_run, where):
    seeds = H.recipe_seeds(seeds_file(tmp_path, [14.0, 14.5, 14.3]), "dnn-a")
    sentence = H.recipe_seeds_sentence(seeds, this_run)
    assert f"lies {where} them" in sentence and "over 3 seeds" in sentence and "14.27 ± 0.25 dB" in sentence
