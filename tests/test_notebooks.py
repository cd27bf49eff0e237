"""The notebooks: each runs headless in QUICK mode on the synthetic stand-in, and the committed
renders are complete, in order, from full runs, and agree with the README."""
import json
import re
import subprocess
import sys

import nbformat
import papermill as pm
import pytest
from conftest import ROOT

# (dot-files are papermill's in-progress copies)
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if not p.name.startswith("."))


FOLDERS = {"01_speech_denoising_dnn.ipynb": "01_dnn", "02_speech_denoising_cnn1d.ipynb": "02_cnn1d",
           "03_cifar10_augmentation.ipynb": "03_augmentation", "04_self_supervised_pretext.ipynb": "04_pretext"}


def snapshot(folder):
    """{file: (mtime, size)} of everything under `folder`."""
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.rglob("*"))} if folder.is_dir() else {}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """run(name) -> (output folder, metrics, committed outputs/<name> before, after), each notebook executed once:
    QUICK=True, an empty DATA_DIR (so: synthetic), no OUTPUT_DIR (the default rule) and $HW2_BUILD_DIR temporary."""
    runs = {}

    def run(name):
        if name not in runs:
            tmp = tmp_path_factory.mktemp(name[:2])
            empty, build, committed = tmp / "no-data", tmp / "build", ROOT / "outputs" / FOLDERS[name]
            empty.mkdir()
            before = snapshot(committed)
            with pytest.MonkeyPatch.context() as mp:  # the kernel inherits the environment
                mp.setenv("HW2_BUILD_DIR", str(build))
                mp.delenv("HW2_IN_PLACE", raising=False)
                pm.execute_notebook(str(ROOT / "notebooks" / name), str(tmp / name), kernel_name="python3",
                                    parameters={"QUICK": True, "DATA_DIR": str(empty)},
                                    cwd=str(ROOT / "notebooks"), progress_bar=False)
            out_dir = build / "outputs" / FOLDERS[name]
            runs[name] = out_dir, json.loads((out_dir / "metrics.json").read_text()), before, snapshot(committed)
        return runs[name]

    return run


def run_quick(name, quick_run):
    """(output folder, metrics) of the quick run of notebooks/<name>."""
    return quick_run(name)[:2]


@pytest.mark.parametrize("name", list(FOLDERS))
def test_quick_run_without_output_dir_leaves_the_committed_outputs_untouched(name, quick_run):
    out_dir, _, before, after = quick_run(name)
    assert after == before and out_dir.is_dir()


@pytest.mark.parametrize("name", ["01_speech_denoising_dnn.ipynb", "02_speech_denoising_cnn1d.ipynb"])
def test_speech_notebook_quick_run_beats_the_noisy_input(name, quick_run):
    out_dir, m = run_quick(name, quick_run)
    assert m["synthetic_data"] is True and m["settings"]["QUICK"] is True
    v = m["validation"]
    assert v["best_snr_db"] > v["input_snr_db"] + 1
    assert v["oracle_snr_db"] > v["best_snr_db"] and len(v["snr_db_per_epoch"]) == m["settings"]["EPOCHS"]
    assert {"01", "02"} <= set(m["tests"]) and m["tests"]["01"]["snr_db"] is not None
    for t in m["tests"].values():
        assert (out_dir / t["output"]).is_file()
    assert (out_dir / "test_s_02_recons.wav").is_file() and (out_dir / "training.png").is_file()
    for scored in (v, m["tests"]["01"]):
        assert {f"{p}{k}" for p in ("", "input_", "oracle_") for k in ("pesq", "stoi", "si_sdr_db")} <= set(scored)


def test_committed_speech_notebooks_are_light_enough_for_github():
    for name in ("01_speech_denoising_dnn.ipynb", "02_speech_denoising_cnn1d.ipynb"):
        assert (ROOT / "notebooks" / name).stat().st_size <= 1_000_000, name


def test_augmentation_notebook_quick_run(quick_run):
    out_dir, m = run_quick("03_cifar10_augmentation.ipynb", quick_run)
    assert m["synthetic_data"] is True and m["n_augmented"] == 4 * m["n_train"]
    for run in ("baseline", "augmented"):
        assert len(m[run]["val_acc_per_epoch"]) == m["settings"]["EPOCHS"]
        assert m[run]["best_val_acc"] == max(m[run]["val_acc_per_epoch"])
        assert len(m[run]["train_acc_per_epoch"]) == m["settings"]["EPOCHS"]
        assert m[run]["last_train_acc"] == m[run]["train_acc_per_epoch"][-1]
    assert m["epoch_time_ratio"] == m["augmented"]["seconds_per_epoch"] / m["baseline"]["seconds_per_epoch"]
    for figure in ("accuracy.png", "augmented_examples.png", "training_curves.png"):
        assert (out_dir / figure).is_file(), figure


def test_pretext_notebook_quick_run(quick_run):
    out_dir, m = run_quick("04_self_supervised_pretext.ipynb", quick_run)
    assert m["synthetic_data"] is True and m["pretext"]["n_examples"] == 3 * m["n_unlabelled"]
    assert m["n_labelled"] == 500 and sum(m["labelled_per_class"]) == 500
    for run in ("scratch", "transfer"):
        assert m[run]["epochs_evaluated"][-1] == m["settings"]["FINETUNE_EPOCHS"]
        assert m[run]["final_test_acc"] == m[run]["test_acc"][-1]
    runs, seeds = m["runs"], m["settings"]["SEEDS"]
    assert list(runs) == ["homework_scratch", "homework_transfer", "scratch_reg", "transfer_reg"]
    for run in runs.values():
        assert run["seeds"] == list(seeds) and len(run["test_acc"]) == len(seeds) == len(run["final_test_acc"])
    assert m["transfer"]["final_test_acc"] == pytest.approx(runs["homework_transfer"]["final_test_acc_mean"])
    pairs = [(c["recipe"], c["baseline"]) for c in m["comparisons"]]
    assert ("homework_transfer", "homework_scratch") in pairs and ("transfer_reg", "scratch_reg") in pairs
    for c in m["comparisons"]:
        assert c["final_low"] <= c["final_diff"] <= c["final_high"]
        assert (c["verdict"] == "no clear difference") == (c["final_low"] <= 0 <= c["final_high"])
    plain = m["plain_loop"]  # the plain loop and the stacked run's same seed end at the same test accuracy
    assert plain["stacked_test_acc"] == pytest.approx(plain["test_acc"], abs=0.01)
    assert set(m["cv"]) == {"scratch_reg", "transfer_reg"} and m["benchmark_variants"]["comparisons"]
    assert len(m["probes"]) == 7 and all(0 <= a <= 1 for a in m["probes"].values())
    for figure in ("pretext_cnn.pt", "accuracy.png", "regularised.png", "probes.png"):
        assert (out_dir / figure).is_file(), figure


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_ran_top_to_bottom_without_errors(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "cells not run once, in order"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    assert any(c.outputs for c in code)
    tags = [set(c.metadata.get("tags", [])) for c in code]
    assert not any("injected-parameters" in t for t in tags), "committed from a parameterised (non-default) run"
    params = next(c for c, t in zip(code, tags) if "parameters" in t)
    assert "QUICK = False" in params.source


@pytest.mark.parametrize("folder", ["01_dnn", "02_cnn1d", "03_augmentation", "04_pretext"])
def test_committed_metrics_come_from_full_runs_on_real_data(folder):
    m = json.loads((ROOT / "outputs" / folder / "metrics.json").read_text())
    assert m["synthetic_data"] is False and m["settings"]["QUICK"] is False


def test_readme_results_match_the_metrics_files():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "update_readme.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_repository_url_is_the_same_everywhere():
    sources = ["\n".join(c.source for c in nbformat.read(p, as_version=4).cells) for p in NOTEBOOKS]
    urls = {re.search(r'REPO_URL = "([^"]+)"', s).group(1) for s in sources}
    badge = r"colab\.research\.google\.com/github/(.+?)/blob/"
    badges_in_notebooks = {b for s in sources for b in re.findall(badge, s)}
    assert len(urls) == 1
    url = urls.pop()
    badges = re.findall(r"colab\.research\.google\.com/github/([^)\s\"]+?)/blob/", (ROOT / "README.md").read_text())
    path = url.removeprefix("https://github.com/")
    assert badges and set(badges) == {path} and badges_in_notebooks == {path}


def _parameters(name: str) -> dict:
    """The values the parameters cell of notebooks/<name> assigns."""
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    values: dict = {}
    exec(cell.source, {}, values)
    return values


@pytest.mark.parametrize("name,net", [("01_speech_denoising_dnn.ipynb", "dnn"),
                                      ("02_speech_denoising_cnn1d.ipynb", "cnn")])
def test_speech_notebook_defaults_are_the_ablations_final_recipe(name, net):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import speech_ablation

    import helpers as H

    recipe, p = speech_ablation.VARIANTS[H.NOTEBOOK_RECIPES[net]][0], _parameters(name)
    assert (tuple(p["SEMITONES"]), p["EQ_DB"], p["NOISE_EQ_DB"], tuple(p["SPEECH_DB"]), tuple(p["NOISE_DB"])) == (
        recipe.semitones, recipe.eq_db, recipe.noise_eq_db, recipe.speech_db, recipe.noise_db)
    assert (p["PHASE_SENSITIVE"], p["FRAMES_PER_EPOCH"], p["EPOCHS"], p["BATCH_SIZE"], p["LR"], p["DROPOUT"]) == (
        recipe.phase_sensitive, recipe.frames_per_epoch, recipe.epochs, recipe.batch_size, recipe.lr, recipe.dropout)
    # the notebooks score three validation signals (tail, octave up, deep and bass-heavy): their "mean" is the
    # ablation's rule "voices"
    rules = {"validation, octave up": "tail+octave", "validation": "tail", "mean": "voices", "last": "last"}
    assert (p["FORMANT_FRACTION"], rules[p["CHECKPOINT"]], tuple(p["NOISE_RATES"])) == (
        recipe.formant_fraction, recipe.checkpoint, recipe.noise_rates)
    assert (p["LOW_EQ_DB"], p["EQ_BANDS"], p["TILT_DB"]) == (recipe.low_eq_db, recipe.eq_bands, recipe.tilt_db)
    # the tolerance of the checkpoint rule is the one benchmarks/checkpoint_rules.py chose over the stored runs
    rules_file = ROOT / "outputs" / "speech_ablation" / "checkpoint_rules.json"
    assert p["TOLERANCE_DB"] == json.loads(rules_file.read_text())["chosen_tolerance_db"]
    assert (p.get("LOSS_POWER", 1.0), p.get("NOISE_MIX", 0.0)) == (recipe.loss_power, recipe.noise_mix)
    assert (p.get("ACTIVATION", "relu"), p.get("HEAD_HIDDEN", 0)) == (recipe.activation, recipe.head_hidden)
    assert (p.get("CPU_BF16", False), p.get("SPEECH_HOP", 512)) == (recipe.cpu_bf16, recipe.speech_hop)
    if recipe.net == "dnn":
        assert (p["HIDDEN"], p["N_HIDDEN"]) == (recipe.hidden, recipe.layers)
    else:
        assert (p["CHANNELS"], p["KERNEL"], p.get("STRIDE", 2)) == (recipe.channels, recipe.kernel, recipe.stride)


@pytest.mark.parametrize("net", ["dnn", "cnn"])
def test_speech_notebook_recipe_changes_nothing_the_notebook_cannot_set(net):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import speech_recipes

    import helpers as H

    # fields the notebooks have no parameter for must keep the Recipe's default, or the notebook would not train
    # the recipe it claims (the parameters that exist are compared in the test above)
    hidden_fields = ("presence_eq_db", "high_eq_db", "warp", "formant_warp", "band_drop", "reverb", "frame_norm",
                     "global_norm", "layer_norm", "local_path", "noise_split", "ema", "max_mask", "weight_decay",
                     "noise_hop", "fresh_frames", "noise_eq_bands", "breath", "breath_db",
                     "head_layers", "batch_norm", "shift")
    recipe, default = speech_recipes.VARIANTS[H.NOTEBOOK_RECIPES[net]][0], speech_recipes.Recipe()
    assert {f: getattr(recipe, f) for f in hidden_fields} == {f: getattr(default, f) for f in hidden_fields}
