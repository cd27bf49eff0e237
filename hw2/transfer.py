"""Problem 4, issue 19: both arms regularised alike, settings chosen by k-fold cross-validation on the 500
labelled images, and the statistics of scratch against transfer.

* recipes: the homework's two (unchanged), the regularised scratch and transfer arms with their CV grids (the same
  size: the same tuning budget), and transfer variants that use the pretext network differently;
* augment_draw, mirror_copies: Problem 3's mirror and brightness on [-1, 1] image tensors, vectorised;
* fine_tune_one_seed: the homework's fine-tuning step for one seed, written plainly (two learning rates);
* SeedStack, fit_recipes: many seeds / recipes / CV folds trained together as one network, each model with its own
  learning rates, weight decay (AdamW), frozen layers, dropout and augmentation draws;
* stratified_folds, cross_validate: a recipe's settings chosen on the labelled images alone;
* run_seeds: a recipe over seeds, mean ± sd and standard error (its intervals and tables: hw2/transfer_report.py).
"""
from __future__ import annotations

import time
import zlib
from dataclasses import asdict, replace
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from hw2.cifar import BaselineCNN, accuracy
from hw2.common import progress
from hw2.pretext import Recipe, initial_network, seed_summary
from hw2.stats import mean_and_se

CONV = ("conv1", "conv2")
LAYERS = ("conv1", "conv2", "fc1", "fc2")

# --------------------------------------------------------------------------------------------
# Recipes
# --------------------------------------------------------------------------------------------

HOMEWORK_SCRATCH = Recipe("homework: from scratch, He init, every layer at 1e-3", transferred=())
HOMEWORK_TRANSFER = Recipe("homework: conv1, conv2, fc1 transferred at 1e-5, fc2 new at 1e-3")

# What both regularised arms share before cross-validation picks their settings from CV_GRIDS and CV_LENGTHS.
REGULARISED = {"dropout": 0.5, "weight_decay": 1.0, "augment": "fresh", "epochs": 2000}
SCRATCH_REG = Recipe("scratch, regularised: He init, every layer at 1e-3", transferred=(), **REGULARISED)
TRANSFER_REG = Recipe("conv1-2 transferred and fine-tuned, fc1-2 new at 1e-3, regularised", transferred=CONV,
                      lr_transferred=1e-4, **REGULARISED)
# Each arm tunes its two most relevant settings on a 2 x 2 grid: the same number of candidates, lengths and folds.
CV_GRIDS = {
    "scratch_reg": [{"dropout": d, "weight_decay": w} for d in (0.25, 0.5) for w in (0.3, 1.0)],
    "transfer_reg": [{"lr_transferred": lr, "weight_decay": w} for lr in (1e-4, 1e-3) for w in (0.3, 1.0)],
}
CV_LENGTHS = (1000, 1500, 2000)  # candidate numbers of epochs, scored in the same CV run


def transfer_variants(transfer: Recipe) -> dict[str, Recipe]:
    """Other ways to use the pretext network, each with `transfer`'s (cross-validated) regularisation, not re-tuned."""
    half = transfer.epochs // 2
    return {
        "frozen_conv": replace(transfer, description="conv1-2 transferred and frozen; fc1-2 new, regularised",
                               frozen=CONV, frozen_epochs=None),
        "conv1_frozen": replace(transfer, description="conv1 transferred and frozen; conv2, fc1-2 new, regularised",
                                transferred=("conv1",), frozen=("conv1",), frozen_epochs=None),
        "frozen_then_1e-4": replace(transfer, description=f"conv1-2 transferred, frozen for {half} epochs, then at "
                                    f"1e-4; fc1-2 new, regularised", frozen=CONV, frozen_epochs=half,
                                    lr_transferred=1e-4),
    }


def recipe_from_dict(d: dict) -> Recipe:
    """A Recipe back from its asdict() form (as stored in JSON, where tuples became lists)."""
    return Recipe(**{**d, "transferred": tuple(d["transferred"]), "frozen": tuple(d["frozen"])})


# --------------------------------------------------------------------------------------------
# Augmentation of the labelled images (Problem 3's transforms, on [-1, 1] tensors N x 3 x 32 x 32)
# --------------------------------------------------------------------------------------------

BRIGHTNESS = (0.9, 1.0, 1.1)  # Problem 3's darken, original, brighten, as factors on [0, 1] pixels (clipped at 1)


def augment_draw(X: torch.Tensor, generator: torch.Generator, k: int = 1, p_mirror: float = 0.5,
                 factors: Sequence[float] = BRIGHTNESS) -> torch.Tensor:
    """`k` fresh augmented copies of the images X (N x 3 x H x W), drawn per image and copy on the device: mirrored
    left-right with probability `p_mirror`, brightness scaled by a factor drawn from `factors`.

    Returns N x 3k x H x W (channels_last), copy j on channels 3j..3j+2: row n is still image n, so the labels apply;
    with k > 1 it is the per-model input of a SeedStack (each model its own draw).
    """
    n, device = len(X), X.device
    both = torch.cat([X, X.flip(3)]).contiguous()  # the images, then their mirrors (row n + N)
    mirrored = torch.rand(n, k, generator=generator, device=device) < p_mirror
    pick = torch.randint(len(factors), (n, k), generator=generator, device=device)
    f = torch.as_tensor(factors, dtype=X.dtype, device=device)[pick][:, :, None]  # N x k x 1
    rows = torch.arange(n, device=device)[:, None] + n * mirrored  # N x k: image n or its mirror
    out = both[rows.flatten()].view(n, k, -1)                      # N x k x 3HW, one gather
    # on [0, 1] pixels u: min(f u, 1); on [-1, 1]: f x + (f - 1), clipped at 1 (f = 1 returns x bit for bit)
    out = torch.addcmul(f - 1, out, f).clamp_(max=1.0)
    return out.view(n, 3 * k, *X.shape[2:]).contiguous(memory_format=torch.channels_last)


def mirror_copies(X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The images followed by their left-right mirrors (Problem 3's mirrored set), labels repeated in the same order."""
    return torch.cat([X, X.flip(3)]).contiguous(memory_format=torch.channels_last), torch.cat([y, y])


# --------------------------------------------------------------------------------------------
# The homework's fine-tuning, one seed, plainly
# --------------------------------------------------------------------------------------------


def fine_tune_one_seed(model: BaselineCNN, X: torch.Tensor, y: torch.Tensor, transferred: Sequence[str],
                       lr_transferred: float, lr_new: float, epochs: int, eval_every: int, X_test: torch.Tensor,
                       y_test: torch.Tensor) -> dict:
    """Full-batch Adam on (X, y) with one learning rate for the transferred layers and another for the new ones;
    test accuracy every `eval_every` epochs. The notebook's stacked loops compute exactly this, for many seeds."""
    transferred_params = [p for name, p in model.named_parameters() if name.split(".")[0] in transferred]
    new_params = [p for name, p in model.named_parameters() if name.split(".")[0] not in transferred]
    optimizer = torch.optim.Adam([{"params": transferred_params, "lr": lr_transferred},  # e.g. 1e-5: barely move
                                  {"params": new_params, "lr": lr_new}])                   # e.g. 1e-3: learn
    history = {"epochs_evaluated": [], "test_acc": []}
    for epoch in range(1, epochs + 1):
        model.train()
        loss = F.cross_entropy(model(X), y)  # the 500 images are one batch: one step per epoch
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % eval_every == 0:
            history["epochs_evaluated"].append(epoch)
            history["test_acc"].append(accuracy(model, X_test, y_test))
    return history


# --------------------------------------------------------------------------------------------
# Many models as one network, each with its own settings
# --------------------------------------------------------------------------------------------


class SeedStack(torch.nn.Module):
    """K BaselineCNNs (seeds, recipes or CV folds) computed as one network: logits K x N x classes.

    As in pretext.StackedCNN, conv1's maps are concatenated, conv2 is a grouped convolution and fc1 / fc2 batched
    products, but each model keeps its own parameters (concatenated at every forward), so each can have its own
    learning rates, weight decay, frozen layers and dropout rate. The input is shared (N x 3 x 32 x 32) or one per
    model (N x 3K x 32 x 32: conv1 is then grouped too, the same arithmetic).
    """

    def __init__(self, models: list[BaselineCNN], dropout: Sequence[float] = (), generator=None):
        super().__init__()
        self.models, self.k = torch.nn.ModuleList(models), len(models)
        self.dropout = list(dropout) or [0.0] * self.k
        if len(self.dropout) != self.k or not all(0 <= p < 1 for p in self.dropout):
            raise ValueError(f"one dropout rate in [0, 1) per model, got {self.dropout} for {self.k} models")
        self.generator = generator

    def _cat(self, name: str) -> torch.Tensor:
        return torch.cat([m.get_parameter(name) for m in self.models])

    def _stack(self, layer: str) -> tuple[torch.Tensor, torch.Tensor]:
        return (torch.stack([m.get_submodule(layer).weight.T for m in self.models]),
                torch.stack([m.get_submodule(layer).bias for m in self.models])[:, None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.conv2d(x, self._cat("conv1.weight"), self._cat("conv1.bias"), groups=x.shape[1] // 3)
        h = F.relu(F.max_pool2d(h, 2))
        h = F.relu(F.max_pool2d(F.conv2d(h, self._cat("conv2.weight"), self._cat("conv2.bias"), groups=self.k), 2))
        h = h.reshape(len(x), self.k, -1).transpose(0, 1)  # K x N x 250: each model's own maps
        if self.training and any(self.dropout):  # inverted dropout before fc1, each model at its own rate
            keep = torch.tensor([1 - p for p in self.dropout], device=h.device)[:, None, None]
            h = h * (torch.rand(h.shape, generator=self.generator, device=h.device) < keep) / keep
        (w1, b1), (w2, b2) = self._stack("fc1"), self._stack("fc2")
        return torch.baddbmm(b2, F.relu(torch.baddbmm(b1, h, w1)), w2)


def param_groups(stack: SeedStack, recipes: Sequence[Recipe]) -> list[dict]:
    """AdamW groups: per model, its transferred layers at lr_transferred, its new ones at lr_new, its weight decay."""
    groups = []
    for model, r in zip(stack.models, recipes):
        new = [n for n in LAYERS if n not in r.transferred]
        for layers, lr in ((r.transferred, r.lr_transferred), (new, r.lr_new)):
            params = [p for name, p in model.named_parameters() if name.split(".")[0] in layers]
            if params:
                groups.append({"params": params, "lr": lr, "weight_decay": r.weight_decay})
    return groups


def set_frozen(stack: SeedStack, recipes: Sequence[Recipe], epoch: int) -> None:
    """Turn gradients off for each model's frozen layers while its frozen phase lasts, and back on after it."""
    for model, r in zip(stack.models, recipes):
        frozen_now = r.frozen_epochs is None or epoch <= r.frozen_epochs
        for name, p in model.named_parameters():
            if name.split(".")[0] in r.frozen:
                p.requires_grad_(not frozen_now)


@torch.inference_mode()
def stack_correct(stack: SeedStack, X: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """K x N booleans: whether each model classifies each image right (dropout off)."""
    was_training = stack.training
    stack.eval()
    correct = torch.cat([stack(X[i:i + batch_size]).argmax(2) == y[i:i + batch_size]
                         for i in range(0, len(X), batch_size)], dim=1)
    stack.train(was_training)
    return correct


def _check_recipes(recipes: Sequence[Recipe]) -> tuple[int, str]:
    """The epochs and augmentation every model of a stack shares; stops on anything a stack cannot train."""
    shared = {(r.epochs, r.augment) for r in recipes}
    if len(shared) != 1:
        raise ValueError(f"the models of one stack share epochs and augmentation; got {sorted(shared)}")
    for r in recipes:
        if not set(r.frozen) <= set(r.transferred):
            raise ValueError(f"{r.description!r}: frozen {r.frozen} must be transferred layers {r.transferred}")
        if r.augment not in ("none", "mirror_copies", "fresh"):
            raise ValueError(f"{r.description!r}: augment {r.augment!r}; choose 'none', 'mirror_copies' or 'fresh'")
    return shared.pop()


def fit_recipes(recipes: Sequence[Recipe], seeds: Sequence[int], pretext_state: dict | None, X: torch.Tensor,
                y: torch.Tensor, X_eval: torch.Tensor, y_eval: torch.Tensor, eval_every: int | Sequence[int] = 100,
                train_mask: torch.Tensor | None = None, eval_mask: torch.Tensor | None = None, data_seed: int = 0,
                desc: str = "fine-tuning") -> tuple[SeedStack, dict]:
    """Model k is recipes[k] started from seeds[k]; all train together, full batch, one AdamW step per epoch.

    Accuracy on (X_eval, y_eval) of every model every `eval_every` epochs (or at the listed epochs) and at the end.
    train_mask / eval_mask (K x N booleans) are the rows model k trains on / is scored on (CV folds); None: all.
    Augmentation draws and dropout masks come from `data_seed`, one draw per model. Returns the stack and
    {'epochs_evaluated', 'acc' (K lists), 'train_loss' (summed over models), 'wall_time_s'}.
    """
    epochs, augment = _check_recipes(recipes)
    k, device = len(recipes), X.device
    generator = torch.Generator(device=device).manual_seed(data_seed)
    models = [initial_network(r, pretext_state if r.transferred else None, s) for r, s in zip(recipes, seeds)]
    stack = SeedStack(models, [r.dropout for r in recipes], generator).to(device)
    optimizer = torch.optim.AdamW(param_groups(stack, recipes))  # weight decay 0: exactly Adam
    if augment == "mirror_copies":
        X, y = mirror_copies(X, y)
        train_mask = None if train_mask is None else train_mask.repeat(1, 2)
    weights = None if train_mask is None else train_mask / train_mask.sum(1, keepdim=True)
    targets = y.repeat(k)
    checks = set(range(eval_every, epochs + 1, eval_every)) if isinstance(eval_every, int) else set(eval_every)
    checks = {e for e in checks if 1 <= e <= epochs} | {epochs}
    switches = {1} | {r.frozen_epochs + 1 for r in recipes if r.frozen and r.frozen_epochs is not None}
    history = {"epochs_evaluated": [], "acc": [[] for _ in recipes], "train_loss": []}
    start = time.perf_counter()
    stack.train()
    for epoch in progress(range(1, epochs + 1), desc=desc):
        if epoch in switches:
            set_frozen(stack, recipes, epoch)
        inputs = augment_draw(X, generator, k) if augment == "fresh" else X  # one fresh draw per model
        logits = stack(inputs).flatten(0, 1)
        if weights is None:  # the sum over models of each model's mean loss: every model gets exactly its gradient
            loss = F.cross_entropy(logits, targets, reduction="sum") / len(y)
        else:                # each model's mean over its own training rows
            loss = (F.cross_entropy(logits, targets, reduction="none").view(k, -1) * weights).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if epoch in checks:
            correct = stack_correct(stack, X_eval, y_eval)
            acc = correct.double().mean(1) if eval_mask is None else (correct & eval_mask).sum(1) / eval_mask.sum(1)
            history["epochs_evaluated"].append(epoch)
            history["train_loss"].append(loss.item())
            for curve, a in zip(history["acc"], acc.tolist()):
                curve.append(a)
    history["wall_time_s"] = time.perf_counter() - start
    return stack, history


def run_seeds(name: str, recipe: Recipe, pretext_state: dict | None, seeds: Sequence[int], X: torch.Tensor,
              y: torch.Tensor, X_test: torch.Tensor, y_test: torch.Tensor, eval_every: int = 100) -> dict:
    """`recipe` once per seed (one stack); its record: settings, test curves, final / best per seed, mean ± sd and se.

    The augmentation and dropout draws come from the recipe's name and seeds, so two recipes never share them.
    """
    data_seed = zlib.crc32(f"{name} {list(seeds)}".encode())
    _, h = fit_recipes([recipe] * len(seeds), seeds, pretext_state, X, y, X_test, y_test, eval_every,
                       data_seed=data_seed, desc=name)
    summary = seed_summary(np.array(h["acc"]))
    return {"name": name, "recipe": asdict(recipe), "seeds": list(seeds), "epochs_evaluated": h["epochs_evaluated"],
            "test_acc": h["acc"], **summary,
            "final_test_acc_se": mean_and_se(summary["final_test_acc"])[1],
            "best_test_acc_se": mean_and_se(summary["best_test_acc"])[1], "wall_time_s": h["wall_time_s"]}


# --------------------------------------------------------------------------------------------
# Settings chosen without the test set: stratified k-fold cross-validation on the labelled images
# --------------------------------------------------------------------------------------------


def stratified_folds(y: np.ndarray, folds: int = 5, seed: int = 0) -> np.ndarray:
    """The fold (0 .. folds-1) of every example: each class shuffled by `seed` and dealt round the folds in turn,
    continuing where the previous class stopped, so classes and fold sizes are balanced to within one."""
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    fold, dealt = np.empty(len(y), dtype=np.int64), 0
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        fold[members] = (dealt + np.arange(len(members))) % folds
        dealt += len(members)
    return fold


def cross_validate(base: Recipe, grid: Sequence[dict], pretext_state: dict | None, X: torch.Tensor, y: torch.Tensor,
                   folds: int = 5, lengths: Sequence[int] = CV_LENGTHS, seed: int = 0, desc: str = "CV") -> dict:
    """Every grid point (overrides of `base`) trained on folds-1 folds and scored on the held-out fold, for each fold,
    at each candidate length; the point and length with the best mean validation accuracy (ties: the first listed).

    Only the labelled images (X, y) are read: the test set plays no part. The folds of a point train as one stack
    (stacks of about 5 models run fastest); fold f's model starts from seed + f and every point sees the same
    augmentation and dropout draws, so the points differ only in their settings. Returns the grid, 'cv_acc'
    (points x lengths, mean over folds), 'cv_acc_per_fold', 'chosen' (overrides with 'epochs') and 'recipe'.
    """
    lengths = sorted(lengths)
    fold = torch.as_tensor(stratified_folds(y.cpu().numpy(), folds, seed), device=X.device)
    held_out = torch.arange(folds, device=X.device)[:, None] == fold[None, :]  # folds x N: model f's validation rows
    per_fold, wall = [], 0.0
    for i, point in enumerate(grid):
        members = [replace(base, **point, epochs=lengths[-1])] * folds
        _, h = fit_recipes(members, [seed + f for f in range(folds)], pretext_state, X, y, X, y, eval_every=lengths,
                           train_mask=~held_out, eval_mask=held_out, data_seed=seed, desc=f"{desc} {i + 1}/{len(grid)}")
        per_fold.append(h["acc"])
        wall += h["wall_time_s"]
    per_fold = np.array(per_fold)  # points x folds x lengths
    mean = per_fold.mean(1)
    i, j = np.unravel_index(int(np.argmax(mean)), mean.shape)
    chosen = {**grid[i], "epochs": lengths[j]}
    return {"base": asdict(base), "grid": list(grid), "lengths": lengths, "folds": folds, "seed": seed,
            "fold_sizes": held_out.sum(1).tolist(), "cv_acc": mean.tolist(), "cv_acc_per_fold": per_fold.tolist(),
            "chosen": chosen, "chosen_cv_acc": float(mean[i, j]), "recipe": replace(base, **chosen),
            "wall_time_s": wall}
