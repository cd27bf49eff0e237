"""scripts/update_readme.py: the README's results come only from full runs on the course data."""
import importlib.util
import json

import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("update_readme", ROOT / "scripts" / "update_readme.py")
update_readme = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(update_readme)


@pytest.fixture()
def outputs(tmp_path, monkeypatch):
    """A temporary outputs/ folder and README copy for the script to read and (not) rewrite."""
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text())
    monkeypatch.setattr(update_readme, "OUTPUTS", tmp_path / "outputs")
    monkeypatch.setattr(update_readme, "README", readme)
    monkeypatch.setattr(update_readme, "BENCHMARKS", tmp_path / "benchmarks-README.md")  # absent: not rewritten
    return tmp_path / "outputs"


def write_metrics(outputs, quick, synthetic):
    path = outputs / "01_dnn" / "metrics.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"synthetic_data": synthetic, "settings": {"QUICK": quick}}))
    return path


def test_quick_metrics_are_refused_naming_the_file(outputs, capsys):
    path = write_metrics(outputs, quick=True, synthetic=False)
    assert update_readme.main([]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "QUICK run" in err


def test_metrics_of_the_synthetic_stand_in_are_refused(outputs, capsys):
    write_metrics(outputs, quick=False, synthetic=True)
    assert update_readme.main(["--check"]) == 2
    assert "synthetic stand-in" in capsys.readouterr().err


def test_a_refused_run_leaves_the_readme_as_it_was(outputs):
    write_metrics(outputs, quick=True, synthetic=True)
    before = update_readme.README.read_text()
    update_readme.main([])
    assert update_readme.README.read_text() == before


def _pretext_metrics(low: float, high: float) -> dict:
    runs = {name: {"final_test_acc_mean": acc, "final_test_acc_se": 0.005, "seeds": [0, 1, 2, 3, 4],
                   "wall_time_s": 60.0}
            for name, acc in (("homework_scratch", 0.29), ("homework_transfer", 0.288), ("scratch_reg", 0.42),
                              ("transfer_reg", 0.45))}
    comparisons = [{"recipe": "homework_transfer", "baseline": "homework_scratch", "final_diff": -0.002,
                    "final_low": -0.03, "final_high": 0.026, "verdict": "no clear difference"},
                   {"recipe": "transfer_reg", "baseline": "scratch_reg", "final_diff": (low + high) / 2,
                    "final_low": low, "final_high": high,
                    "verdict": "helps" if low > 0 else "hurts" if high < 0 else "no clear difference"}]
    return {"runs": runs, "comparisons": comparisons, "pretext": {"wall_time_s": 1600.0}}


def test_problem_4s_sentence_states_the_intervals_verdict():
    helps = update_readme.pretext_conclusion(_pretext_metrics(0.01, 0.05))
    assert "45.0 % against 42.0 %" in helps and "[+1.0, +5.0]" in helps and helps.endswith("helps).")
    unclear = update_readme.pretext_conclusion(_pretext_metrics(-0.01, 0.05))
    assert unclear.endswith("no clear difference).")


def test_problem_4s_row_lists_every_recipe_with_its_standard_error():
    row = update_readme.pretext_row(_pretext_metrics(0.01, 0.05))
    assert "5 seeds" in row and "transfer_reg **45.0 ± 0.5**" in row and "homework_scratch **29.0 ± 0.5**" in row


def test_problem_3_sentence_states_the_measured_epoch_time_ratio(outputs):
    path = outputs / "03_augmentation" / "metrics.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"synthetic_data": False, "settings": {"QUICK": False}, "epoch_time_ratio": 2.9713,
                                "baseline": {"best_val_acc": 0.6408}, "augmented": {"best_val_acc": 0.6648}}))
    sentence = next(line for line in update_readme.conclusions() if "Problem 3" in line)
    assert "raises" in sentence and "(0.6408 → 0.6648), at 2.97× the time per epoch" in sentence


def test_seed_differences_give_welch_intervals_and_skip_a_pair_with_one_seed(tmp_path):
    def run(mean):
        summary = {"mean_snr_db": mean, "male_mean_snr_db": mean, "worst_snr_db": mean, "tail_snr_db": 12.0,
                   "test12_snr_db": 15.0}
        return {"recipe": {"checkpoint": "voices"}, "rules": {"voices": summary}}
    variants = {f"dnn-voices-noise0/seed{i}": run(14.0 + 0.1 * i) for i in range(3)}
    variants.update({f"dnn-voices/seed{i}": run(13.0 + 0.1 * i) for i in range(3)})
    variants["dnn-voices-formant0.25/seed0"] = run(12.0)
    path = tmp_path / "voices_seeds.json"
    path.write_text(json.dumps({"variants": variants}))
    lines = update_readme.seed_difference_lines(path)
    rows = [line for line in lines if line.startswith("| dnn")]
    assert len(rows) == 1 and rows[0].startswith("| dnn-voices-noise0 − dnn-voices | 3 / 3 | +1.00 [")
    assert "| +0.00 [+0.00, +0.00] |" in rows[0]  # the tail: the same in every seed


def test_a_kept_render_is_summarised_from_its_json(tmp_path):
    path = tmp_path / "render.json"
    assert update_readme.render_check_lines(path) == []
    path.write_text(json.dumps({"source": "notebook 01 with X", "tail_snr_db": 11.94, "kept_epoch": 28,
                                "wall_time_s": 280.4, "voices": {"mean_snr_db": 13.02, "male_mean_snr_db": 12.64,
                                                                 "worst_snr_db": 9.4, "worst_pair": "23"}}))
    line = update_readme.render_check_lines(path)[0]
    assert "(notebook 01 with X)" in line and "dev mean 13.02 dB" in line and "worst 9.40 dB (test_23)" in line


def test_problems_1_2_sentence_names_each_networks_seed_count(outputs):
    voices = {"pairs": ["12"], "n": 7, "mean_snr_db": 14.0, "mean_input_snr_db": 6.5, "mean_oracle_snr_db": 19.0,
              "male_mean_snr_db": 13.8}
    for folder, extra in (("01_dnn", {}), ("02_cnn1d", {"seed_comparison": {
            "n_a": 5, "n_b": 3, "difference_db": 0.0, "low_db": -0.24, "high_db": 0.25}})):
        path = outputs / folder / "metrics.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"synthetic_data": False, "settings": {"QUICK": False}, "voices": voices, **extra}))
    sentence = next(line for line in update_readme.conclusions() if "Problems 1–2" in line)
    assert "Over 5 DNN and 3 CNN seeds, DNN − CNN = +0.00 dB" in sentence and "seeds each" not in sentence


def test_the_seed_table_shows_the_notebooks_recipes_and_counts_the_others(outputs):
    def study(*means):
        return {k: list(means) for k in ("mean_snr_db", "male_mean_snr_db", "worst_snr_db", "tail_snr_db",
                                          "test12_snr_db")}
    path = outputs / "speech_ablation" / "checkpoint_rules.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"chosen_tolerance_db": 0.3, "notebook_recipes": {"dnn": "d", "cnn": "c"},
                                "seeds_at_chosen_tolerance": {"variants": {
                                    "d": study(14.0, 14.2), "c": study(13.0, 13.0, 13.3), "x": study(12.0, 12.1),
                                    "y": study(11.0)}}}))
    lines = update_readme.speech_extras()
    rows = [line for line in lines if line.startswith("| 0")]
    assert rows == ["| 01 DNN | `d` | 2 | 14.10 ± 0.14 | 14.10 ± 0.14 | 14.10 ± 0.14 | 14.10 ± 0.14 | 14.10 ± 0.14 |",
                    "| 02 CNN | `c` | 3 | 13.10 ± 0.17 | 13.10 ± 0.17 | 13.10 ± 0.17 | 13.10 ± 0.17 | 13.10 ± 0.17 |"]
    assert lines[-1].startswith("1 other recipe was run with two or more seeds")


def test_the_full_variant_tables_are_generated_beside_their_json_and_checked(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "outputs" / "speech_ablation"
    folder.mkdir(parents=True)
    for name in ("voices.json", "ablation.json", "seeds.json"):
        if not (ROOT / "outputs" / "speech_ablation" / name).is_file():
            pytest.skip(f"outputs/speech_ablation/{name} not committed")
        (folder / name).symlink_to(ROOT / "outputs" / "speech_ablation" / name)
    benchmarks = tmp_path / "benchmarks-README.md"
    benchmarks.write_text(f"intro\n{update_readme.START}\nold\n{update_readme.END}\n")
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text())
    monkeypatch.setattr(update_readme, "OUTPUTS", tmp_path / "outputs")
    monkeypatch.setattr(update_readme, "README", readme)
    monkeypatch.setattr(update_readme, "BENCHMARKS", benchmarks)
    assert update_readme.main(["--check"]) == 1  # variants.md is missing
    assert "variants.md" in capsys.readouterr().out
    update_readme.main([])
    table = (folder / "variants.md").read_text()
    assert "| cnn-voices-c32 |" in table and "variants.md" in benchmarks.read_text()
