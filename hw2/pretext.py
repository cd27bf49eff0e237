"""Problem 4: fine-tuning recipes (scratch, the homework's transfer, variants), seeds, and linear probes."""
from __future__ import annotations

import time
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from hw2.cifar import TRANSFERABLE, BaselineCNN, accuracy, best_and_last, transfer_from_pretext, transfer_optimizer
from hw2.common import progress

# --------------------------------------------------------------------------------------------
# Fine-tuning recipes and the full-batch loop
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipe:
    """One way to train the 10-class CNN on the labelled images; the defaults are the homework's transfer recipe.

    The homework's scratch recipe is Recipe(..., transferred=()). The fields after lr_new (freezing, dropout,
    weight decay, augmentation) are for issue 19's regularised recipes; only H.fit_recipes (hw2/transfer.py)
    trains them, and they are off by default: the homework's network and training exactly.
    """

    description: str
    transferred: tuple[str, ...] = TRANSFERABLE  # layers copied from the pretext network; () trains from scratch
    lr_transferred: float = 1e-5  # learning rate of the transferred layers
    lr_new: float = 1e-3          # learning rate of the freshly He-initialised layers
    frozen: tuple[str, ...] = ()  # transferred layers held fixed (no gradient, no weight decay) ...
    frozen_epochs: int | None = None  # ... for this many epochs, then trained at lr_transferred; None: throughout
    dropout: float = 0.0          # dropout on the 250 conv2 features, before fc1 (the homework's network has none)
    weight_decay: float = 0.0     # AdamW's decoupled weight decay, every layer (0: exactly Adam)
    augment: str = "none"         # "none", "mirror_copies" (the images and their mirrors) or "fresh" (a draw per epoch)
    epochs: int = 10_000          # full-batch epochs (one step each)

    def is_homework_training(self) -> bool:
        """True when nothing beyond the homework's training is asked for (no freezing, dropout, decay, augmentation)."""
        return not self.frozen and self.dropout == 0 and self.weight_decay == 0 and self.augment == "none"


def initial_network(recipe: Recipe, pretext_state: dict | None, seed: int) -> BaselineCNN:
    """The 10-class network `recipe` starts from: its transferred layers, the rest freshly drawn from `seed`."""
    torch.manual_seed(seed)
    if recipe.transferred:
        return transfer_from_pretext(pretext_state, num_classes=10, layers=recipe.transferred)
    return BaselineCNN(10)


def make_finetune_model(recipe: Recipe, pretext_state: dict | None, seed: int,
                        device: torch.device) -> tuple[BaselineCNN, torch.optim.Adam]:
    """The network and Adam optimiser of `recipe`, with the fresh layers drawn from `seed`."""
    model = initial_network(recipe, pretext_state, seed).to(device, memory_format=torch.channels_last)
    return model, transfer_optimizer(model, recipe.lr_transferred, recipe.lr_new, layers=recipe.transferred)


def fit_full_batch(model: torch.nn.Module, optimizer, X: torch.Tensor, y: torch.Tensor, epochs: int,
                   eval_every: int, X_test: torch.Tensor, y_test: torch.Tensor, desc: str = "fine-tuning") -> dict:
    """Full-batch Adam on (X, y), one step per epoch; test accuracy every `eval_every` epochs and at the end.

    The whole set is one batch, so there is nothing to shuffle or slice; the loss stays on the device and is
    read only at evaluations. Returns {'epochs_evaluated', 'test_acc', 'train_loss' (at those epochs), 'wall_time_s'}.
    """
    history = {"epochs_evaluated": [], "test_acc": [], "train_loss": []}
    start = time.perf_counter()
    bar = progress(range(1, epochs + 1), desc=desc)
    model.train()
    for epoch in bar:
        loss = F.cross_entropy(model(X), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if epoch % eval_every == 0 or epoch == epochs:
            history["epochs_evaluated"].append(epoch)
            history["train_loss"].append(loss.item())
            history["test_acc"].append(accuracy(model, X_test, y_test))
            model.train()
            bar.set_postfix(loss=f"{history['train_loss'][-1]:.3f}", test=f"{history['test_acc'][-1]:.3f}",
                            refresh=False)
    history["wall_time_s"] = time.perf_counter() - start
    return history


class StackedCNN(torch.nn.Module):
    """K BaselineCNNs (one per seed) computed as one network on a shared input: logits shaped K x N x classes.

    conv1 becomes one convolution with 10 K output maps, conv2 a grouped convolution (model k reads only its
    own 10 maps), fc1 and fc2 batched matrix products. Adam is elementwise, so one Adam over the stacked
    weights is exactly one Adam per model; training all seeds of a recipe together gives each seed the run it
    would get alone (up to floating-point summation order), with K times fewer, larger operations.
    """

    def __init__(self, models: list[BaselineCNN]):
        super().__init__()
        self.k = len(models)

        def cat(name: str) -> torch.nn.Parameter:
            return torch.nn.Parameter(torch.cat([m.get_parameter(name).detach().clone() for m in models]))

        def stack(name: str, transpose: bool) -> torch.nn.Parameter:
            ws = [m.get_parameter(name).detach() for m in models]
            return torch.nn.Parameter(torch.stack([w.T if transpose else w[None] for w in ws]).contiguous())

        self.conv1_w, self.conv1_b = cat("conv1.weight"), cat("conv1.bias")
        self.conv2_w, self.conv2_b = cat("conv2.weight"), cat("conv2.bias")
        self.fc1_w, self.fc1_b = stack("fc1.weight", True), stack("fc1.bias", False)
        self.fc2_w, self.fc2_b = stack("fc2.weight", True), stack("fc2.bias", False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(F.max_pool2d(F.conv2d(x, self.conv1_w, self.conv1_b), 2))
        h = F.relu(F.max_pool2d(F.conv2d(h, self.conv2_w, self.conv2_b, groups=self.k), 2))
        h = h.reshape(len(x), self.k, -1).transpose(0, 1)              # K x N x 250: each model's own maps
        return torch.baddbmm(self.fc2_b, F.relu(torch.baddbmm(self.fc1_b, h, self.fc1_w)), self.fc2_w)

    def layer_parameters(self, layer: str) -> list[torch.nn.Parameter]:
        """The stacked weight and bias of one of BaselineCNN's layers."""
        return [getattr(self, f"{layer}_w"), getattr(self, f"{layer}_b")]

    def unstacked(self, i: int) -> dict[str, torch.Tensor]:
        """Model i's weights under BaselineCNN's names (a state_dict it can load)."""
        rows = slice(10 * i, 10 * (i + 1))
        return {"conv1.weight": self.conv1_w[rows], "conv1.bias": self.conv1_b[rows],
                "conv2.weight": self.conv2_w[rows], "conv2.bias": self.conv2_b[rows],
                "fc1.weight": self.fc1_w[i].T, "fc1.bias": self.fc1_b[i, 0],
                "fc2.weight": self.fc2_w[i].T, "fc2.bias": self.fc2_b[i, 0]}


@torch.inference_mode()
def stacked_accuracy(model: StackedCNN, X: torch.Tensor, y: torch.Tensor, batch_size: int = 2000) -> list[float]:
    """Each stacked model's classification accuracy on (X, y), counted on the device and read once."""
    correct = sum((model(X[i:i + batch_size]).argmax(2) == y[i:i + batch_size]).sum(1)
                  for i in range(0, len(X), batch_size))
    return (correct.double() / len(X)).tolist()


def fit_stacked(recipe: Recipe, pretext_state: dict | None, seeds: tuple[int, ...], X: torch.Tensor,
                y: torch.Tensor, epochs: int, eval_every: int, X_test: torch.Tensor, y_test: torch.Tensor,
                desc: str = "fine-tuning") -> tuple[StackedCNN, dict]:
    """All seeds of `recipe` trained together as one StackedCNN, full batch, with test accuracy per seed.

    Accuracy is measured every `eval_every` epochs and at the end. Returns the network and {'epochs_evaluated',
    'test_acc' (seeds x evaluations), 'train_loss' (summed over seeds, at evaluations), 'wall_time_s'}.
    """
    if not recipe.is_homework_training():
        raise ValueError(f"{recipe.description!r} freezes layers or regularises; fit_stacked trains only the "
                         f"homework's plain recipes: use H.fit_recipes (hw2/transfer.py)")
    model = StackedCNN([initial_network(recipe, pretext_state, seed) for seed in seeds]).to(X.device)
    transferred = [p for layer in recipe.transferred for p in model.layer_parameters(layer)]
    new = [p for layer in ("conv1", "conv2", "fc1", "fc2") if layer not in recipe.transferred
           for p in model.layer_parameters(layer)]
    optimizer = torch.optim.Adam([{"params": transferred, "lr": recipe.lr_transferred},
                                  {"params": new, "lr": recipe.lr_new}])
    targets = y.repeat(len(seeds))
    history = {"epochs_evaluated": [], "test_acc": [[] for _ in seeds], "train_loss": []}
    start = time.perf_counter()
    for epoch in progress(range(1, epochs + 1), desc=desc):
        # the sum over seeds of each seed's mean loss: every model gets exactly its own gradient
        loss = F.cross_entropy(model(X).flatten(0, 1), targets, reduction="sum") / len(X)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if epoch % eval_every == 0 or epoch == epochs:
            history["epochs_evaluated"].append(epoch)
            history["train_loss"].append(loss.item())
            for curve, acc in zip(history["test_acc"], stacked_accuracy(model, X_test, y_test)):
                curve.append(acc)
    history["wall_time_s"] = time.perf_counter() - start
    return model, history


def seed_summary(test_acc: np.ndarray) -> dict:
    """Final and best test accuracy per seed (rows of `test_acc`), with their mean and sample sd over seeds."""
    final, best = test_acc[:, -1], test_acc.max(axis=1)

    def sd(v: np.ndarray) -> float:
        return float(v.std(ddof=1)) if len(v) > 1 else 0.0

    return {"final_test_acc": final.tolist(), "final_test_acc_mean": float(final.mean()),
            "final_test_acc_sd": sd(final), "best_test_acc": best.tolist(),
            "best_test_acc_mean": float(best.mean()), "best_test_acc_sd": sd(best)}


def mean_curve_record(run: dict) -> dict:
    """A multi-seed run as one curve (the mean over seeds): the single-run fields the README and tests read."""
    curve = np.array(run["test_acc"]).mean(0).tolist()
    s = best_and_last(curve, run["epochs_evaluated"])
    return {"epochs_evaluated": run["epochs_evaluated"], "test_acc": curve, "best_test_acc": s["best"],
            "best_epoch": s["best_epoch"], "final_test_acc": s["last"], "wall_time_s": run["wall_time_s"]}


# --------------------------------------------------------------------------------------------
# Linear probes: how much of the class information does each layer already hold?
# --------------------------------------------------------------------------------------------


@torch.inference_mode()
def hidden_features(model: BaselineCNN, X: torch.Tensor, batch_size: int = 2000) -> dict[str, torch.Tensor]:
    """Each hidden layer's activations (after ReLU and pooling) for the images `X`, flattened, on the CPU."""
    model.eval()
    chunks = [model.hidden(X[i:i + batch_size]) for i in range(0, len(X), batch_size)]
    return {layer: torch.cat([c[layer].flatten(1).float().cpu() for c in chunks]) for layer in TRANSFERABLE}


def _ridge_classifier(Z: torch.Tensor, y: torch.Tensor, penalty: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Weights and bias of a ridge-regression classifier (one-hot targets) on centred features, in closed form.

    Solved in the dual, (Z Z^T + penalty I)^-1, an n x n system: a few milliseconds for n = 500 whatever the width.
    """
    targets = F.one_hot(y, 10).to(Z.dtype)
    bias = targets.mean(0)
    gram = Z @ Z.T + penalty * torch.eye(len(Z), dtype=Z.dtype)
    return Z.T @ torch.linalg.solve(gram, targets - bias), bias


def linear_probe(Z_train: torch.Tensor, y_train: torch.Tensor, Z_test: torch.Tensor, y_test: torch.Tensor,
                 penalties: tuple[float, ...] = (1e-1, 1, 10, 100, 1e3, 1e4, 1e5), folds: int = 5) -> dict:
    """Test accuracy of a linear (ridge) classifier on standardised features; its penalty chosen by k-fold CV.

    Only the labelled training features choose anything (standardisation statistics and the penalty, by
    cross-validation over the training rows); the test features are scored once, at the end.
    """
    Z_train, Z_test = Z_train.double(), Z_test.double()
    mean, std = Z_train.mean(0), Z_train.std(0).clamp_min(1e-6)
    Z_train, Z_test = (Z_train - mean) / std, (Z_test - mean) / std
    fold = torch.arange(len(Z_train)) % folds
    cv = {}
    for penalty in penalties:
        correct = 0
        for k in range(folds):
            W, b = _ridge_classifier(Z_train[fold != k], y_train[fold != k], penalty)
            correct += ((Z_train[fold == k] @ W + b).argmax(1) == y_train[fold == k]).sum().item()
        cv[penalty] = correct / len(Z_train)
    chosen = max(penalties, key=lambda p: (cv[p], p))  # ties: the stronger penalty
    W, b = _ridge_classifier(Z_train, y_train, chosen)
    test_acc = ((Z_test @ W + b).argmax(1) == y_test).double().mean().item()
    return {"test_acc": test_acc, "penalty": chosen, "cv_acc": cv[chosen], "n_features": Z_train.shape[1]}


def probe_feature_sets(pretext_state: dict, X_train: torch.Tensor, X_test: torch.Tensor,
                       seed: int = 0) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """{name: (train features, test features)}: the pretext network's layers, the same at random init, raw pixels.

    The random network is drawn from `seed`: with the pretext run's seed it is the pretext network's own
    starting point, so the comparison isolates what pretext training added.
    """
    pretext = BaselineCNN(3)
    pretext.load_state_dict(pretext_state)
    torch.manual_seed(seed)
    random_net = BaselineCNN(3)
    sets = {"raw pixels": (X_train.flatten(1).float().cpu(), X_test.flatten(1).float().cpu())}
    for label, net in (("pretext", pretext), ("random init", random_net)):
        net = net.to(X_train.device, memory_format=torch.channels_last)
        train, test = hidden_features(net, X_train), hidden_features(net, X_test)
        sets.update({f"{label} {layer}": (train[layer], test[layer]) for layer in TRANSFERABLE})
    return sets


# --------------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------------


def plot_seed_bands(runs: dict[str, dict], title: str = ""):
    """Test accuracy per evaluation for each run: the mean over seeds as a line, the min-max over seeds as a band;
    the legend gives the final accuracy as mean ± sd over the seeds."""
    fig, ax = plt.subplots(figsize=(8.5, 4.6), constrained_layout=True)
    for name, run in runs.items():
        acc = np.array(run["test_acc"])
        line, = ax.plot(run["epochs_evaluated"], acc.mean(0),
                        label=f"{name}: final {run['final_test_acc_mean']:.3f} ± {run['final_test_acc_sd']:.3f} "
                              f"(mean ± sd, {len(acc)} seeds)")
        ax.fill_between(run["epochs_evaluated"], acc.min(0), acc.max(0), color=line.get_color(), alpha=0.15)
    ax.set(xlabel="epoch", ylabel="test accuracy (line: mean over seeds; band: min to max)", title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


def plot_probes(probes: dict[str, float], references: dict[str, float], title: str = ""):
    """Horizontal bars of linear-probe test accuracy per feature set, with fine-tuned results as dashed lines."""
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(probes) + 1.2), constrained_layout=True)
    names = list(probes)
    colours = ["tab:blue" if n.startswith("pretext") else "tab:gray" if n.startswith("random") else "tab:brown"
               for n in names]
    ax.barh(names, [probes[n] for n in names], color=colours)
    for n, v in zip(names, (probes[n] for n in names)):
        ax.text(v + 0.003, n, f"{v:.3f}", va="center", fontsize=8)
    for (label, value), style in zip(references.items(), ("--", ":", "-.", (0, (1, 3)))):
        ax.axvline(value, ls=style, c="k", alpha=0.7, label=f"{label}: {value:.3f}")
    ax.invert_yaxis()
    ax.set(xlabel="test accuracy", title=title)
    ax.legend(fontsize=8, loc="lower right")
    return fig
