"""benchmarks/matched_voices.py: the dev speakers' other words as extra training voices (a diagnostic)."""
import sys

import numpy as np
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import matched_voices as M  # noqa: E402


def test_repeats_make_about_the_asked_share_of_the_training_samples():
    r = M.repeats_for_share(train_samples=640, extra_samples=40, share=1 / 3)
    assert r == 8 and abs(r * 40 / (640 + r * 40) - 1 / 3) < 0.02
    assert M.repeats_for_share(100, 1000, 0.1) == 1  # never fewer than one copy


def test_missing_source_recordings_are_named(tmp_path, monkeypatch):
    monkeypatch.setattr(M.H, "load_training_pair", lambda d: (np.ones(100), np.ones(100), 16000))
    with pytest.raises(FileNotFoundError, match="1081-125237-0000.flac"):
        M.dev_speaker_remainders(tmp_path)


def _arm(mean, pair21):
    return {"epoch": 30, "mean_snr_db": mean, "male_mean_snr_db": mean - 0.3, "worst_snr_db": mean - 2,
            "tail_snr_db": 12.0, "test12_snr_db": 15.0, "pairs": {"12": 15.0, "21": pair21}}


def test_the_table_gives_each_arm_over_the_seeds_and_their_difference():
    results = {"networks": {"dnn": {"recipe": "r", "seeds": {
        "0": {"default": _arm(14.0, 13.0), "matched": _arm(15.0, 15.0)},
        "1": {"default": _arm(14.2, 13.2), "matched": _arm(15.4, 15.2)}}}}}
    table = M.matched_voices_table(results)
    rows = [line for line in table.splitlines() if line.startswith("| DNN")]
    assert "| 2 | 14.10 |" in rows[0] and "| 2 | 15.20 |" in rows[1]
    assert rows[2].startswith("| DNN | difference [95 % CI, paired t] | 2 | +1.10 [-0.17, +2.37] |")  # t(1) = 12.71
    assert rows[2].endswith("| +0.00 [+0.00, +0.00] | +2.00 [+2.00, +2.00] |")
    results["networks"]["dnn"]["label"] = "DNN, earlier default"  # a recipe kept beside the one now diagnosed
    assert M.matched_voices_table(results).count("| DNN, earlier default ") == 3


def test_the_notebooks_sentence_gives_the_mean_gains_of_the_recipe_asked_for(tmp_path):
    import json

    import helpers as H

    path = tmp_path / "m.json"
    path.write_text(json.dumps({"networks": {"dnn": {"recipe": "r", "seeds": {
        "0": {"default": _arm(14.0, 13.0), "matched": _arm(15.0, 13.2)}}}}}))
    gains = H.matched_voices_gains(path, "r", deep=("21",))
    assert (gains["seeds"], gains["dev_mean_gain_db"], gains["deep_gain_min_db"]) == (1, 1.0, pytest.approx(0.2))
    text = H.matched_voices_sentence(gains)
    assert "by +1.00 dB, the male mean by +1.00 dB" in text and "21 by +0.20 to +0.20 dB" in text
    assert "closes little" in text and "CI" not in text  # one seed: no interval
    two = {**gains, "seeds": 2, "dev_mean_gain_low_db": -0.17, "dev_mean_gain_high_db": 2.37}
    assert "by +1.00 dB (CI, paired t over the seeds, 95%: [-0.17, +2.37])" in H.matched_voices_sentence(two)
    assert H.matched_voices_gains(path, "other") is None and H.matched_voices_gains(tmp_path / "no", "r") is None


def test_the_sentence_names_a_diagnosed_recipe_that_is_no_longer_the_default(tmp_path):
    import json

    import helpers as H

    path = tmp_path / "m.json"
    path.write_text(json.dumps({"networks": {"dnn": {"recipe": "old", "seeds": {
        "0": {"default": _arm(14.0, 13.0), "matched": _arm(15.0, 13.2)}}}}}))
    assert H.matched_voices_recipe(path, "dnn") == "old" and H.matched_voices_recipe(path, "cnn") is None
    gains = H.matched_voices_gains(path, H.matched_voices_recipe(path, "dnn"), deep=("21",))
    assert "the earlier default `old` moves" in H.matched_voices_sentence(gains, default="new")
    assert "the default recipe moves" in H.matched_voices_sentence(gains, default="old")
