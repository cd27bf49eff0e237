"""Issue 19's machinery (hw2/transfer.py): recipes, augmentation, the stacked loop with frozen layers, per-group
learning rates, weight decay and dropout, cross-validation folds, the intervals and the driver (synthetic data)."""
import json
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
import torch

import helpers as H

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_sets():
    x, y = H.synthetic_cifar(160, seed=4)
    X = H.images_to_tensor(H.unit_to_signed(H.to_unit(x)))
    return X[:60], torch.as_tensor(y[:60]), X[60:], torch.as_tensor(y[60:])


@pytest.fixture(scope="module")
def pretext_state():
    torch.manual_seed(11)
    return H.BaselineCNN(3).state_dict()


def _runs(**finals: list[float]) -> dict:
    return {name: {"final_test_acc": v, "best_test_acc": v} for name, v in finals.items()}


# ---- recipes ----------------------------------------------------------------------------------------------


def test_recipe_defaults_are_the_homeworks_transfer_and_scratch():
    r = H.Recipe("default")
    assert (r.transferred, r.lr_transferred, r.lr_new, r.epochs) == (("conv1", "conv2", "fc1"), 1e-5, 1e-3, 10_000)
    assert (r.frozen, r.dropout, r.weight_decay, r.augment) == ((), 0.0, 0.0, "none") and r.is_homework_training()
    assert H.HOMEWORK_TRANSFER == replace(r, description=H.HOMEWORK_TRANSFER.description)
    assert H.HOMEWORK_SCRATCH == replace(r, description=H.HOMEWORK_SCRATCH.description, transferred=())
    assert not any(isinstance(m, torch.nn.Dropout) for m in H.BaselineCNN(10).modules())  # the network is unchanged


def test_both_regularised_arms_get_the_same_tuning_budget():
    assert len(H.CV_GRIDS["scratch_reg"]) == len(H.CV_GRIDS["transfer_reg"])
    for field in ("dropout", "weight_decay", "augment", "epochs"):  # regularised alike before tuning
        assert getattr(H.SCRATCH_REG, field) == getattr(H.TRANSFER_REG, field)


def test_fit_stacked_refuses_a_recipe_it_would_not_regularise(small_sets, pretext_state):
    X, y, Xt, yt = small_sets
    with pytest.raises(ValueError, match="fit_recipes"):
        H.fit_stacked(H.SCRATCH_REG, None, (0,), X, y, 2, 2, Xt, yt)


def test_recipe_survives_its_json_form():
    r = H.transfer_variants(H.TRANSFER_REG)["frozen_then_1e-4"]
    assert H.recipe_from_dict(json.loads(json.dumps(asdict(r)))) == r


# ---- augmentation -----------------------------------------------------------------------------------------


def test_augmentation_keeps_shape_and_image_order(small_sets):
    X = small_sets[0][:8]
    out = H.augment_draw(X, torch.Generator().manual_seed(0), k=3)
    assert out.shape == (8, 9, 32, 32) and out.is_contiguous(memory_format=torch.channels_last)
    for n in range(8):  # every copy of row n is image n, mirrored or not, at one of Problem 3's brightness levels
        for j in range(3):
            candidates = [H.augment_draw(v, torch.Generator(), p_mirror=0.0, factors=(f,))
                          for v in (X[n:n + 1], X[n:n + 1].flip(3)) for f in H.BRIGHTNESS]
            assert any(torch.allclose(out[n:n + 1, 3 * j:3 * j + 3], c) for c in candidates), (n, j)


def test_a_mirrored_image_equals_its_left_right_flipped_original(small_sets):
    X = small_sets[0][:5]
    out = H.augment_draw(X, torch.Generator().manual_seed(0), p_mirror=1.0, factors=(1.0,))
    hwc = X.permute(0, 2, 3, 1).numpy()
    assert torch.equal(out, X.flip(3))
    assert np.array_equal(out.permute(0, 2, 3, 1).numpy(), H.mirror(hwc))  # Problem 3's mirror: left-right
    assert torch.equal(H.augment_draw(X, torch.Generator(), p_mirror=0.0, factors=(1.0,)), X)


def test_brightness_factors_are_problem_3s_brighten_and_darken(small_sets):
    X = small_sets[0][:5]
    unit = H.signed_to_unit(X.permute(0, 2, 3, 1).numpy())
    for factor, transform in ((1.1, H.brighten), (0.9, H.darken)):
        out = H.augment_draw(X, torch.Generator(), p_mirror=0.0, factors=(factor,))
        assert np.allclose(H.signed_to_unit(out.permute(0, 2, 3, 1).numpy()), transform(unit), atol=1e-6)


def test_mirror_copies_follow_the_originals_with_their_labels(small_sets):
    X, y = small_sets[0][:6], small_sets[1][:6]
    X2, y2 = H.mirror_copies(X, y)
    assert torch.equal(X2[:6], X) and torch.equal(X2[6:], X.flip(3)) and torch.equal(y2, torch.cat([y, y]))


# ---- the stacked loop ---------------------------------------------------------------------------------------


def test_a_frozen_layer_stays_bit_identical(small_sets, pretext_state):
    X, y, Xt, yt = small_sets
    recipe = replace(H.transfer_variants(H.TRANSFER_REG)["frozen_conv"], epochs=5)  # with dropout and decay 1
    stack, _ = H.fit_recipes([recipe] * 2, [0, 1], pretext_state, X, y, Xt, yt, eval_every=5)
    for model in stack.models:
        for name in ("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"):
            assert torch.equal(model.state_dict()[name], pretext_state[name]), name
        assert model.conv1.weight.grad is None
        assert not torch.equal(model.fc2.weight, H.initial_network(recipe, pretext_state, 0).fc2.weight)


def test_a_frozen_phase_ends_and_the_layer_then_learns(small_sets, pretext_state):
    X, y, Xt, yt = small_sets
    recipe = replace(H.transfer_variants(H.TRANSFER_REG)["frozen_then_1e-4"], epochs=4, frozen_epochs=2)
    stack, _ = H.fit_recipes([recipe], [0], pretext_state, X, y, Xt, yt, eval_every=4)
    assert not torch.equal(stack.models[0].conv1.weight, pretext_state["conv1.weight"])


def test_each_group_and_model_gets_its_own_learning_rate(small_sets, pretext_state):
    X, y, Xt, yt = small_sets
    # Adam's first step moves every weight by lr * g / (|g| + eps): just under its learning rate
    slow = H.Recipe("slow", ("conv1", "conv2"), lr_transferred=1e-4, lr_new=1e-2, epochs=1)
    stack, _ = H.fit_recipes([slow, replace(slow, lr_transferred=1e-3)], [0, 0], pretext_state, X, y, Xt, yt, 1)
    for model, lr in zip(stack.models, (1e-4, 1e-3)):
        moved = (model.conv1.weight - pretext_state["conv1.weight"]).abs().max().item()
        assert moved == pytest.approx(lr, rel=1e-3)
    start = H.initial_network(slow, pretext_state, 0)
    assert (stack.models[0].fc2.weight - start.fc2.weight).abs().max().item() == pytest.approx(1e-2, rel=1e-3)


def test_weight_decay_shrinks_only_where_asked(small_sets, pretext_state):
    X, y, Xt, yt = small_sets
    plain = H.Recipe("plain", ("conv1", "conv2"), lr_transferred=0.0, lr_new=1e-3, epochs=1)
    stack, _ = H.fit_recipes([plain, replace(plain, weight_decay=0.5)], [0, 0], pretext_state, X, y, Xt, yt, 1)
    # at learning rate 0 Adam's step is 0, and AdamW's decay multiplies by 1 - lr * decay = 1: both unchanged
    assert all(torch.equal(m.conv1.weight, pretext_state["conv1.weight"]) for m in stack.models)
    # the same gradient step in both; the decayed one also lost lr * decay of its starting weights
    start = H.initial_network(plain, pretext_state, 0).fc1.weight
    assert torch.allclose(stack.models[1].fc1.weight, stack.models[0].fc1.weight - 1e-3 * 0.5 * start, atol=1e-7)


def test_the_stack_trains_each_seed_as_the_plain_loop_does(small_sets, pretext_state):
    X, y, Xt, yt = small_sets
    recipe = replace(H.HOMEWORK_TRANSFER, epochs=6)
    stack, history = H.fit_recipes([recipe] * 2, [3, 4], pretext_state, X, y, Xt, yt, eval_every=3)
    for i, seed in enumerate((3, 4)):
        alone = H.initial_network(recipe, pretext_state, seed)
        plain = H.fine_tune_one_seed(alone, X, y, recipe.transferred, recipe.lr_transferred, recipe.lr_new, 6, 3,
                                     Xt, yt)
        for name, w in alone.state_dict().items():
            assert torch.allclose(stack.models[i].state_dict()[name], w, atol=1e-5), name
        assert np.allclose(history["acc"][i], plain["test_acc"], atol=1 / len(yt) + 1e-9)


def test_the_stack_computes_each_models_logits_on_its_own_input(small_sets):
    X = small_sets[0][:7]
    torch.manual_seed(0)
    models = [H.BaselineCNN(10) for _ in range(3)]
    stack = H.SeedStack(models, dropout=[0.5, 0.0, 0.25]).eval()  # dropout is off outside training
    views = H.augment_draw(X, torch.Generator().manual_seed(1), k=3)
    with torch.no_grad():
        logits = stack(views)
        for k, model in enumerate(models):
            assert torch.allclose(logits[k], model(views[:, 3 * k:3 * k + 3]), atol=1e-5)
        assert torch.allclose(stack(X)[1], models[1](X), atol=1e-5)  # a shared input


# ---- cross-validation ---------------------------------------------------------------------------------------


def test_stratified_folds_are_disjoint_balanced_and_seeded():
    y = np.repeat(np.arange(10), [53, 47, 50, 50, 44, 56, 50, 50, 49, 51])
    fold = H.stratified_folds(y, folds=5, seed=0)
    assert fold.shape == y.shape and set(fold) == set(range(5))  # every example in exactly one fold
    sizes = np.bincount(fold)
    assert sizes.sum() == len(y) and sizes.max() - sizes.min() <= 1
    for c in range(10):
        per_fold = np.bincount(fold[y == c], minlength=5)
        assert per_fold.max() - per_fold.min() <= 1, c
    assert np.array_equal(fold, H.stratified_folds(y, 5, seed=0))
    assert not np.array_equal(fold, H.stratified_folds(y, 5, seed=1))


def test_cross_validation_chooses_from_its_grid_deterministically(small_sets):
    X, y, _, _ = small_sets
    grid = [{"dropout": 0.0, "weight_decay": 0.0}, {"dropout": 0.5, "weight_decay": 1.0}]
    base = replace(H.SCRATCH_REG, augment="none")

    def run():
        return H.cross_validate(base, grid, None, X, y, folds=3, lengths=(2, 3), seed=5)

    a, b = run(), run()
    assert np.array(a["cv_acc"]).shape == (2, 2) and np.array(a["cv_acc_per_fold"]).shape == (2, 3, 2)
    assert a["cv_acc"] == b["cv_acc"] and a["chosen"] == b["chosen"]
    assert a["chosen"]["epochs"] in (2, 3) and {k: a["chosen"][k] for k in grid[0]} in grid
    assert a["recipe"] == replace(base, **a["chosen"]) and sum(a["fold_sizes"]) == len(y)


# ---- statistics -------------------------------------------------------------------------------------------


def test_verdict_follows_welchs_interval_on_known_numbers():
    # 3 seeds each, sd 0.01 in both: se of the difference sqrt(2 * 0.01^2 / 3) = 0.0081650, Welch's dof = 4,
    # t(0.975, 4) = 2.7764451: half-width 0.0226697
    runs = _runs(a=[0.45, 0.46, 0.44], b=[0.41, 0.42, 0.40], c=[0.40, 0.46, 0.43])
    helps, hurts, unclear = H.compare_runs(runs, [("a", "b"), ("b", "a"), ("c", "b")])
    assert (helps["final_diff"], helps["final_low"], helps["final_high"]) == pytest.approx(
        (0.04, 0.0173303, 0.0626697), abs=1e-6)
    assert (helps["verdict"], hurts["verdict"], unclear["verdict"]) == ("helps", "hurts", "no clear difference")
    assert hurts["final_low"] == pytest.approx(-0.0626697, abs=1e-6)


def test_mean_and_standard_error():
    assert H.mean_and_se([0.40, 0.42, 0.44]) == pytest.approx((0.42, 0.02 / np.sqrt(3)))
    assert H.mean_and_se([0.3]) == (0.3, 0.0)


def test_comparison_pairs_put_the_homework_first_and_every_transfer_recipe_against_regularised_scratch():
    names = ["homework_scratch", "homework_transfer", "scratch_reg", "transfer_reg", "frozen_conv"]
    assert H.comparison_pairs(names) == [("homework_transfer", "homework_scratch"), ("scratch_reg", "homework_scratch"),
                                         ("homework_transfer", "scratch_reg"), ("transfer_reg", "scratch_reg"),
                                         ("frozen_conv", "scratch_reg")]


def test_transfer_table_shows_mean_se_and_the_interval(small_sets, pretext_state):
    X, y, Xt, yt = small_sets
    runs = {name: H.run_seeds(name, replace(recipe, epochs=2), pretext_state, (0, 1, 2), X, y, Xt, yt, 1)
            for name, recipe in (("scratch_reg", H.SCRATCH_REG), ("transfer_reg", H.TRANSFER_REG))}
    comparisons = H.compare_runs(runs, H.comparison_pairs(list(runs)))
    table = H.transfer_table(runs, comparisons)
    c = comparisons[0]
    assert table.count("\n") == 3 and "95% Welch CI" in table and f"**{c['verdict']}**" in table
    run = runs["transfer_reg"]
    assert f"{100 * run['final_test_acc_mean']:.1f} ± {100 * run['final_test_acc_se']:.1f}" in table
    assert run["final_test_acc_se"] == pytest.approx(np.std(run["final_test_acc"], ddof=1) / np.sqrt(3))


# ---- the driver ---------------------------------------------------------------------------------------------


def test_cv_table_marks_the_chosen_point_and_length_only():
    cv = {"arms": {"scratch_reg": {"grid": [{"dropout": 0.25}, {"dropout": 0.5}], "lengths": [1000, 2000],
                                   "cv_acc": [[0.30, 0.31], [0.32, 0.35]], "chosen": {"dropout": 0.5, "epochs": 2000}}}}
    table = H.cv_table(cv)
    assert table.count("**") == 2 and "**35.0**" in table
    assert "30.0" in table and "dropout 0.25" in table


def test_quick_driver_run_writes_its_json(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pretext_transfer.py"), "--quick", "--threads",
                           "1", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    cv = json.loads((tmp_path / "cv.json").read_text())
    comparison = json.loads((tmp_path / "comparison.json").read_text())
    assert set(cv["arms"]) == {"scratch_reg", "transfer_reg"} and cv["quick"]
    assert comparison["complete"] and list(comparison["runs"])[:2] == ["homework_scratch", "homework_transfer"]
    assert all(len(run["final_test_acc"]) == 2 for run in comparison["runs"].values())
    assert {c["recipe"] for c in comparison["comparisons"] if c["baseline"] == "scratch_reg"} == {
        "homework_transfer", "transfer_reg", "frozen_conv", "conv1_frozen", "frozen_then_1e-4"}
