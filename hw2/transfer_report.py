"""Problem 4's comparison in words and tables: a recipe's settings in a few words, the differences between recipes
with Welch's 95% intervals and their verdicts, and the tables notebook 04 and benchmarks/pretext_transfer.py show
(every recipe's accuracy over seeds; the cross-validation that chose the regularised arms' settings).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from hw2.common import markdown_table
from hw2.pretext import Recipe
from hw2.stats import interval_verdict, welch_interval
from hw2.transfer import LAYERS, recipe_from_dict


def _lr(value: float) -> str:
    """A learning rate as 1e-3, 2.5e-4, 0."""
    return np.format_float_scientific(value, trim="-", exp_digits=1) if value else "0"


def describe(recipe: Recipe) -> str:
    """A recipe's settings in a few words, read from its fields: layers and learning rates, regularisation."""
    moving = [n for n in recipe.transferred if n not in recipe.frozen]
    if not recipe.transferred:
        parts = ["from scratch"]
    elif not recipe.frozen:
        parts = [f"{', '.join(recipe.transferred)} transferred at {_lr(recipe.lr_transferred)}"]
    elif recipe.frozen_epochs is None:
        parts = [f"{', '.join(recipe.frozen)} transferred, frozen"]
        parts += [f"{', '.join(moving)} transferred at {_lr(recipe.lr_transferred)}"] if moving else []
    else:
        which = "" if not moving else f" ({', '.join(recipe.frozen)})"
        parts = [f"{', '.join(recipe.transferred)} transferred, frozen{which} for {recipe.frozen_epochs:,} epochs, "
                 f"then at {_lr(recipe.lr_transferred)}"]
    new = [n for n in LAYERS if n not in recipe.transferred]
    parts.append(f"{', '.join(new)} new at {_lr(recipe.lr_new)}")
    augment = {"fresh": "mirror + brightness drawn every epoch", "mirror_copies": "mirrored copies"}
    regularisers = [f"dropout {recipe.dropout:g}" if recipe.dropout else "",
                    f"weight decay {recipe.weight_decay:g}" if recipe.weight_decay else "",
                    augment.get(recipe.augment, "")]
    parts.append(", ".join(r for r in regularisers if r) or "no regularisation")
    return "; ".join(parts) + f"; {recipe.epochs:,} epochs"


def comparison_pairs(names: Sequence[str], scratch: str = "scratch_reg") -> list[tuple[str, str]]:
    """(recipe, baseline) pairs among `names`: the homework's own comparison, what regularisation alone gives, then
    every transfer recipe (the homework's included) against the regularised scratch recipe."""
    pairs = [("homework_transfer", "homework_scratch"), (scratch, "homework_scratch")]
    pairs += [(n, scratch) for n in names if n not in (scratch, "homework_scratch")]
    return [(a, b) for a, b in pairs if a in names and b in names]


def compare_runs(runs: dict[str, dict], pairs: Sequence[tuple[str, str]], level: float = 0.95) -> list[dict]:
    """For each (recipe, baseline): the difference of mean final (and best checked) test accuracy over seeds with
    Welch's `level` interval; the verdict follows the final accuracy's interval (helps / hurts / no clear difference).

    Welch, not paired: a seed is no matched unit across recipes (their augmentation and dropout draws differ, and a
    seed draws different layers in each), so pairing would spend degrees of freedom on a correlation that is not there.
    """
    rows = []
    for name, baseline in pairs:
        a, b = runs[name], runs[baseline]
        diff, low, high = welch_interval(a["final_test_acc"], b["final_test_acc"], level)
        best, best_low, best_high = welch_interval(a["best_test_acc"], b["best_test_acc"], level)
        rows.append({"recipe": name, "baseline": baseline, "level": level, "final_diff": diff, "final_low": low,
                     "final_high": high, "verdict": interval_verdict(low, high), "best_diff": best,
                     "best_low": best_low, "best_high": best_high})
    return rows


def transfer_table(runs: dict[str, dict], comparisons: Sequence[dict]) -> str:
    """Markdown: per recipe, final and best checked test accuracy (mean ± se over seeds, %), and each comparison
    with its baseline as a difference in points with its confidence interval and verdict."""
    def pct(run: dict, key: str) -> str:
        return f"{100 * run[f'{key}_mean']:.1f} ± {100 * run[f'{key}_se']:.1f}"

    level = f"{100 * comparisons[0]['level']:.0f}%" if comparisons else "95%"
    rows = []
    for name, run in runs.items():
        vs = "; ".join(f"vs {c['baseline']}: {100 * c['final_diff']:+.1f} [{100 * c['final_low']:+.1f}, "
                       f"{100 * c['final_high']:+.1f}] **{c['verdict']}**" for c in comparisons if c["recipe"] == name)
        rows.append({"recipe": name, "settings": describe(recipe_from_dict(run["recipe"])), "seeds": len(run["seeds"]),
                     "final test acc (%)": pct(run, "final_test_acc"),
                     "best checked (%)": pct(run, "best_test_acc"),
                     f"final accuracy: difference in points [{level} Welch CI], verdict": vs or "–"})
    return markdown_table(rows)


def cv_table(cv: dict) -> str:
    """Markdown: for each arm and grid point of a cv.json, the mean validation accuracy over the folds at each
    candidate length (%), the chosen one in bold."""
    rows = []
    for arm, result in cv["arms"].items():
        chosen = result["chosen"]
        for point, accs in zip(result["grid"], result["cv_acc"]):
            row = {"arm": arm, "settings": ", ".join(f"{k} {v:g}" for k, v in point.items())}
            for length, acc in zip(result["lengths"], accs):
                best = point.items() <= chosen.items() and length == chosen["epochs"]
                row[f"{length:,} epochs"] = f"**{100 * acc:.1f}**" if best else f"{100 * acc:.1f}"
            rows.append(row)
    return markdown_table(rows)
