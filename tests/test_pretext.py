"""Problem 4: fine-tuning recipes, the full-batch loop, seeds and linear probes (synthetic stand-in)."""
import numpy as np
import pytest
import torch

import helpers as H


@pytest.fixture(scope="module")
def small_sets():
    x, y = H.synthetic_cifar(700, seed=3)
    X = H.images_to_tensor(H.unit_to_signed(H.to_unit(x)))
    return X[:200], torch.as_tensor(y[:200]), X[200:], torch.as_tensor(y[200:])


def test_full_batch_loop_matches_the_general_loop_with_one_batch(small_sets):
    X, y, Xt, yt = small_sets
    recipe = H.Recipe("scratch", (), 0.0, 1e-3)
    a, opt_a = H.make_finetune_model(recipe, None, seed=5, device=torch.device("cpu"))
    b, opt_b = H.make_finetune_model(recipe, None, seed=5, device=torch.device("cpu"))
    hist = H.fit_full_batch(a, opt_a, X, y, epochs=20, eval_every=10, X_test=Xt, y_test=yt)
    H.fit_classifier(b, X, y, opt_b, epochs=20, batch_size=len(X), generator=torch.Generator().manual_seed(0))
    assert hist["epochs_evaluated"] == [10, 20]
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        # the same steps; only the summation order within the batch differs, which Adam's normalised steps
        # carry into weight differences of order 1e-5 after 20 steps
        assert torch.allclose(p, q, atol=2e-4), name


def test_seeds_trained_together_match_the_seeds_trained_one_by_one(small_sets):
    X, y, Xt, yt = small_sets
    torch.manual_seed(7)
    pretext = H.BaselineCNN(3).state_dict()
    for recipe in (H.Recipe("scratch", (), 0.0, 1e-3), H.Recipe("conv only", ("conv1", "conv2"), 1e-4, 1e-3)):
        stacked, hist = H.fit_stacked(recipe, pretext, (0, 1, 2), X, y, epochs=8, eval_every=4, X_test=Xt, y_test=yt)
        for i, seed in enumerate((0, 1, 2)):
            alone, opt = H.make_finetune_model(recipe, pretext, seed, torch.device("cpu"))
            single = H.fit_full_batch(alone, opt, X, y, epochs=8, eval_every=4, X_test=Xt, y_test=yt)
            together = stacked.unstacked(i)
            for name, w in alone.state_dict().items():
                assert torch.allclose(together[name], w, atol=1e-4), (recipe.description, seed, name)
            assert np.allclose(hist["test_acc"][i], single["test_acc"], atol=2 / len(yt))


def test_seed_summary_reports_mean_and_sample_sd():
    s = H.seed_summary(np.array([[0.1, 0.3, 0.2], [0.2, 0.25, 0.4]]))
    assert s["final_test_acc"] == [0.2, 0.4] and s["best_test_acc"] == [0.3, 0.4]
    assert s["final_test_acc_mean"] == pytest.approx(0.3) and s["final_test_acc_sd"] == pytest.approx(0.1414, abs=1e-4)


def test_transfer_recipe_starts_from_the_pretext_layers_it_names():
    torch.manual_seed(0)
    pretext = H.BaselineCNN(3).state_dict()
    model, opt = H.make_finetune_model(H.Recipe("conv only", ("conv1", "conv2"), 1e-5, 1e-3), pretext, 0,
                                       torch.device("cpu"))
    assert torch.equal(model.conv2.weight, pretext["conv2.weight"])
    assert not torch.equal(model.fc1.weight, pretext["fc1.weight"])
    assert [g["lr"] for g in opt.param_groups] == [1e-5, 1e-3] and len(opt.param_groups[0]["params"]) == 4


def test_linear_probe_separates_informative_features_and_not_noise():
    g = torch.Generator().manual_seed(0)
    y = torch.arange(600) % 10
    centres = torch.randn(10, 30, generator=g) * 2
    informative = centres[y] + torch.randn(600, 30, generator=g)
    noise = torch.randn(600, 30, generator=g)
    good = H.linear_probe(informative[:300], y[:300], informative[300:], y[300:])
    bad = H.linear_probe(noise[:300], y[:300], noise[300:], y[300:])
    assert good["test_acc"] > 0.9 and bad["test_acc"] < 0.2
    assert good["penalty"] in (1e-1, 1, 10, 100, 1e3, 1e4, 1e5)


def test_probe_feature_sets_cover_each_layer_of_both_networks(small_sets):
    X, _, Xt, _ = small_sets
    torch.manual_seed(0)
    sets = H.probe_feature_sets(H.BaselineCNN(3).state_dict(), X, Xt[:50])
    assert set(sets) == {"raw pixels"} | {f"{n} {layer}" for n in ("pretext", "random init")
                                          for layer in ("conv1", "conv2", "fc1")}
    assert sets["pretext conv1"][0].shape == (200, 1960) and sets["pretext fc1"][1].shape == (50, 20)
    assert sets["raw pixels"][0].shape == (200, 3072)


def test_mean_curve_record_is_the_mean_over_seeds():
    run = {"epochs_evaluated": [10, 20, 30], "test_acc": [[0.1, 0.4, 0.2], [0.3, 0.2, 0.2]], "wall_time_s": 1.0}
    rec = H.mean_curve_record(run)
    assert rec["test_acc"] == pytest.approx([0.2, 0.3, 0.2]) and rec["best_epoch"] == 20
    assert rec["final_test_acc"] == pytest.approx(0.2) and rec["best_test_acc"] == pytest.approx(0.3)


def test_seed_band_legend_names_its_spread_and_seed_count():
    run = {"test_acc": [[0.2, 0.3], [0.25, 0.35], [0.3, 0.4]], "epochs_evaluated": [10, 20],
           "final_test_acc_mean": 0.35, "final_test_acc_sd": 0.05}
    fig = H.plot_seed_bands({"scratch": run})
    (label,) = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert label == "scratch: final 0.350 ± 0.050 (mean ± sd, 3 seeds)"
