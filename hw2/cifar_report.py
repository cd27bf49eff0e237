"""Problems 3-4: figures of CIFAR-10 training runs (accuracy curves, image grids) and their epoch timings."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_accuracy_curves(curves: dict[str, tuple[list[int], list[float]]], ylabel: str, title: str = ""):
    """Overlay accuracy curves: label -> (epochs, accuracies)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2), constrained_layout=True)
    for label, (x, acc) in curves.items():
        ax.plot(x, acc, label=f"{label} (best {max(acc):.3f})")
    ax.set(xlabel="epoch", ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_training_curves(runs: dict[str, dict], epochs: list[int]):
    """Two panels per epoch: each run's training loss, and its training beside its validation accuracy.

    `runs` maps a label to a history of `fit_classifier` evaluated every epoch ('train_loss', 'train_acc',
    'val_acc'); a run's two accuracies share a colour (training dashed, validation solid).
    """
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.0), constrained_layout=True)
    for (label, h), colour in zip(runs.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"]):
        if not len(h["train_loss"]) == len(h["train_acc"]) == len(h["val_acc"]) == len(epochs):
            raise ValueError(f"run {label!r}: one training loss, training and validation accuracy per epoch expected")
        ax_loss.plot(epochs, h["train_loss"], color=colour, label=label)
        ax_acc.plot(epochs, h["train_acc"], "--", color=colour, label=f"{label}, training batches")
        ax_acc.plot(epochs, h["val_acc"], color=colour, label=f"{label}, validation")
    ax_loss.set(xlabel="epoch", ylabel="training loss (cross-entropy)", title="Training loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Training vs. validation accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig


def seconds_per_epoch(history: dict) -> float:
    """A run's wall time divided by its number of epochs (validation passes included)."""
    return history["wall_time_s"] / len(history["train_loss"])


def show_images(rows: dict[str, np.ndarray], labels: list[str] | None = None):
    """A grid of [0,1] HWC images: one row per entry of `rows` (label -> images)."""
    n = len(next(iter(rows.values())))
    fig, axes = plt.subplots(len(rows), n, figsize=(1.5 * n, 1.6 * len(rows)), squeeze=False)
    for r, (name, imgs) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(np.clip(imgs[c], 0, 1))
            ax.set_xticks([]), ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(name)
            if r == 0 and labels is not None:
                ax.set_title(labels[c], fontsize=9)
    fig.tight_layout()
    return fig
