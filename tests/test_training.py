"""The in-memory training loop: shuffled index slices, evaluation schedule, learning."""
import torch

import helpers as H


def test_minibatches_cover_every_index_once():
    batches = list(H.minibatches(103, 10, torch.Generator().manual_seed(0), torch.device("cpu")))
    assert [len(b) for b in batches] == [10] * 10 + [3]
    assert sorted(torch.cat(batches).tolist()) == list(range(103))


def test_classifier_learns_the_synthetic_stand_in_and_evaluates_on_schedule():
    x, y = H.synthetic_cifar(1200, seed=0)
    X = H.images_to_tensor(H.unit_to_signed(H.to_unit(x)))
    Y = torch.as_tensor(y)
    model = H.BaselineCNN(10).to(memory_format=torch.channels_last)
    gen = H.seed_everything(0)
    hist = H.fit_classifier(model, X[:1000], Y[:1000], torch.optim.Adam(model.parameters(), 1e-3), epochs=6,
                            batch_size=64, generator=gen, eval_sets={"val": (X[1000:], Y[1000:])}, eval_every=4)
    assert hist["epochs_evaluated"] == [4, 6] and len(hist["train_acc"]) == 6
    assert hist["val_acc"][-1] > 0.3  # chance is 0.1
