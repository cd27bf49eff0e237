"""Problems 1-2: which checkpoint rule keeps the epoch that serves the dev voices best, over every ablation run.

Each run of `speech_ablation.py` stored its scores after every epoch: the three validation signals (the held-out
tail, its octave-up and its bass-heavy copy) and every dev voice. A rule picks the kept epoch from the validation
signals alone; this script scores each rule by the dev voices at the epoch it keeps, for every stored run (seed
copies counted once), against the notebooks' rule 'voices' (best mean of the three validation signals):

* `voices`: the best epoch of that mean; `last`: the last epoch (no early stopping);
* `voices within T dB`: the latest epoch whose mean is within T dB of the best (H.epoch_within_tolerance): epochs the
  validation signal cannot tell apart, the longer-trained preferred.

Differences are paired by run (the same training, another kept epoch), with a t interval over the runs; runs of
related recipes are not independent, so the interval is a guide, not a test. The validation signal's own noise
(the sd of its epoch-to-epoch changes over the last 12 epochs, over sqrt 2) says how large T must be to matter;
the notebooks' TOLERANCE_DB is the smallest T on the grid of at least twice that noise (`chosen_tolerance_db`).
The seed studies are then summarised at that rule, with Welch's intervals between recipes (`seeds_at_chosen_tolerance`).

    python benchmarks/checkpoint_rules.py     # writes outputs/speech_ablation/checkpoint_rules.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers as H  # noqa: E402

TOLERANCES_DB = (0.1, 0.2, 0.3, 0.5, 1.0)
SUMMARIES = dict(H.SUMMARY_COLUMNS)
BASELINE = "voices"


def stored_runs(paths: list[Path]) -> dict[str, dict]:
    """{run name: per-epoch scores} of every run trained (not copied) in the ablation JSONs that scored dev voices."""
    runs = {}
    for path in paths:
        if not path.is_file():
            continue
        for name, run in json.loads(path.read_text())["variants"].items():
            if "copied_from" not in run and any(k.startswith("test2") for k in run.get("scores_per_epoch", {})):
                runs[name] = run["scores_per_epoch"]
    return runs


def rules() -> dict[str, callable]:
    """{rule name: scores -> kept epoch index}."""
    out = {BASELINE: lambda sc: H.epoch_within_tolerance(sc, 0.0), "last": lambda sc: len(sc["tail"]) - 1}
    for tol in TOLERANCES_DB:
        out[f"voices within {tol:g} dB"] = lambda sc, tol=tol: H.epoch_within_tolerance(sc, tol)
    return out


def validation_noise_db(runs: dict[str, dict]) -> float:
    """Median over runs of the validation mean's epoch-to-epoch noise (sd of changes, last 12 epochs, / sqrt 2)."""
    return float(np.median([np.std(np.diff(H.validation_mean(sc)[-12:]), ddof=1) / np.sqrt(2) for sc in runs.values()]))


def chosen_tolerance(noise_db: float) -> float:
    """The smallest tolerance on the grid that is at least twice the validation noise (the largest if none is)."""
    return min((t for t in TOLERANCES_DB if t >= 2 * noise_db), default=TOLERANCES_DB[-1])


def compare(runs: dict[str, dict]) -> dict:
    """Every rule on every run, per network and over all: mean summaries and paired differences from BASELINE."""
    out = {}
    for group in ("dnn", "cnn", "all"):
        names = sorted(n for n in runs if group == "all" or n.startswith(group))
        if len(names) < 2:
            continue
        kept = {rule: {n: pick(runs[n]) for n in names} for rule, pick in rules().items()}
        at = {rule: {n: H.summary_at_epoch(runs[n], e) for n, e in epochs.items()} for rule, epochs in kept.items()}
        out[group] = {"runs": len(names), "rules": {}}
        for rule in kept:
            row = {"mean_epoch": float(np.mean(list(kept[rule].values())) + 1)}
            for key in SUMMARIES:
                values = [at[rule][n][key] for n in names]
                diff, low, high = H.paired_interval(values, [at[BASELINE][n][key] for n in names])
                row[key] = {"mean": float(np.mean(values)), "difference": diff, "low": low, "high": high}
            out[group]["rules"][rule] = row
    return out


SEED_PAIRS = (("dnn-voices-noise0", "dnn-voices"), ("dnn-voices", "dnn-voices-formant0.25"),
              ("cnn-voices-c32", "cnn-voices"), ("cnn-voices-c24", "cnn-voices"),
              ("dnn-voices-noise0-lr1e-3", "dnn-voices-noise0"), ("cnn-voices-lr3e-4", "cnn-voices"),
              ("dnn-voices-noise0-pow0.7", "dnn-voices-noise0"), ("dnn-voices-noise0-pow0.5", "dnn-voices-noise0"),
              ("cnn-voices-pow0.7", "cnn-voices"), ("dnn-voices-pow0.7-mix0.5", "dnn-voices-noise0-pow0.7"),
              ("dnn-voices-pow0.7-mix1", "dnn-voices-pow0.7-mix0.5"),
              ("dnn-voices-pow0.7-mix0.5-eq15", "dnn-voices-pow0.7-mix0.5"),
              ("dnn-voices-pow0.7-mix0.5-silu", "dnn-voices-pow0.7-mix0.5"), ("cnn-voices-h512", "cnn-voices"),
              ("dnn-voices-pow0.7-mix0.5-silu-pres15", "dnn-voices-pow0.7-mix0.5-silu"),
              ("cnn-voices-c24-s1-e25", "cnn-voices-c32"),
              ("dnn-voices-pow0.7-mix0.5-silu-h1536", "dnn-voices-pow0.7-mix0.5-silu"),
              ("cnn-voices-c48", "cnn-voices-c32"), ("cnn-voices-c32-h512", "cnn-voices-c32"),
              ("dnn-voices-pow0.7-mix0.5-silu-h1536-st1", "dnn-voices-pow0.7-mix0.5-silu"),
              ("dnn-voices-pow0.7-mix0.5-silu-h1536-st1", "dnn-voices-pow0.7-mix0.5-silu-h1536"),
              ("dnn-voices-pow0.7-mix0.5-silu-h1536-st1-pres15", "dnn-voices-pow0.7-mix0.5-silu-h1536-st1"),
              ("cnn-voices-c32-lr2e-3", "cnn-voices-c32"),
              ("dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128", "dnn-voices-pow0.7-mix0.5-silu-h1536-st1"),
              ("cnn-voices-h1024", "cnn-voices-c32"),
              ("dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16", "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128"),
              ("dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-shop128",
               "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16"),
              ("dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-shop128-cleaner",
               "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16"),
              ("cnn-voices-h1024-local", "cnn-voices-h1024"), ("cnn-voices-h1024-lr1.5e-3", "cnn-voices-h1024"),
              ("cnn-voices-h1024-s1-bf16", "cnn-voices-h1024"), ("cnn-voices-h1024-bf16", "cnn-voices-h1024"),
              ("cnn-voices-h1024-pool1", "cnn-voices-h1024"), ("cnn-voices-h1024-pool3", "cnn-voices-h1024"),
              ("cnn-voices-h1024-strided", "cnn-voices-h1024"), ("cnn-voices-h1024-k5", "cnn-voices-h1024"),
              ("cnn-voices-h1024-k13", "cnn-voices-h1024"), ("cnn-voices-h1024-up14", "cnn-voices-h1024"),
              ("cnn-voices-h1024-wd0.1", "cnn-voices-h1024"))


def seed_studies(path: Path, tolerance: float) -> dict:
    """Every seed study in `path` (variant/seedN runs, 2+ seeds) at the rule 'voices' with `tolerance`: per-seed
    kept epochs and summaries, and Welch's 95% interval for each of SEED_PAIRS present (H.seed_comparison)."""
    if not path.is_file():
        return {}
    by_variant: dict[str, list] = {}
    for name, run in sorted(json.loads(path.read_text())["variants"].items()):
        if "/seed" in name and any(k.startswith("test2") for k in run.get("scores_per_epoch", {})):
            by_variant.setdefault(name.split("/")[0], []).append(run["scores_per_epoch"])
    studies = {}
    for variant, runs in by_variant.items():
        if len(runs) < 2:
            continue
        epochs = [H.epoch_within_tolerance(sc, tolerance) for sc in runs]
        at = [H.summary_at_epoch(sc, e) for sc, e in zip(runs, epochs)]
        studies[variant] = {"epochs": [e + 1 for e in epochs],
                            **{k: [a[k] for a in at] for k in SUMMARIES}}
    differences = []
    for a, b in SEED_PAIRS:
        if a in studies and b in studies:
            found = {key: H.seed_comparison(path, a, b, key, tolerance) for key in SUMMARIES}
            differences.append({"a": a, "b": b, **{key: {"difference": c["difference_db"], "low": c["low_db"],
                                                         "high": c["high_db"]} for key, c in found.items()}})
    return {"tolerance_db": tolerance, "variants": studies, "differences": differences, "test": "Welch's t, 95%"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    folder = ROOT / "outputs" / "speech_ablation"
    parser.add_argument("--runs", nargs="+", default=[str(folder / "voices.json"), str(folder / "voices_seeds.json")])
    parser.add_argument("--seeds", default=str(folder / "voices_seeds.json"), help="the seed studies' JSON")
    parser.add_argument("--out", default=str(folder / "checkpoint_rules.json"))
    args = parser.parse_args()
    runs = stored_runs([Path(p) for p in args.runs])
    if len(runs) < 2:
        sys.exit(f"checkpoint_rules: fewer than two runs with dev-voice scores in {args.runs}; "
                 "run benchmarks/speech_ablation.py first")
    noise = validation_noise_db(runs)
    result = {"command": "python benchmarks/checkpoint_rules.py", "baseline": BASELINE, "runs": sorted(runs),
              "validation_noise_db": noise, "chosen_tolerance_db": chosen_tolerance(noise),
              "test": "paired t, 95%, over runs", "groups": compare(runs)}
    result["seeds_at_chosen_tolerance"] = seed_studies(Path(args.seeds), result["chosen_tolerance_db"])
    result["notebook_recipes"] = H.NOTEBOOK_RECIPES
    H.save_json(Path(args.out), result)
    best = result["groups"]["all"]["rules"]
    for rule, row in best.items():
        print(f"{rule:22s} epoch {row['mean_epoch']:.1f}  " + "  ".join(
            f"{SUMMARIES[k]} {row[k]['mean']:.2f} ({row[k]['difference']:+.2f})" for k in SUMMARIES))
    print(f"validation noise {noise:.2f} dB, tolerance {result['chosen_tolerance_db']:g} dB; {len(runs)} runs -> "
          f"{args.out}")


if __name__ == "__main__":
    main()
