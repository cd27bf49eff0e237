"""Is the denoisers' remaining error variance that averaging removes, or bias? (Problems 1-2)

Each notebook recipe is trained with several seeds (speech_ablation.train, one thread), every epoch's weights kept.
At the notebooks' kept epoch (the latest within the chosen tolerance of the best validation mean) the network's
output magnitudes are then changed at inference only, and every pair is scored again:

* `gains ±G dB`: the mean of the outputs for the input scaled by each gain, each divided by its gain (test-time
  augmentation; the network still sees one 513-dim column and returns a nonnegative magnitude);
* `snapshots K`: the mean of the outputs of the K epochs up to the kept one (a snapshot ensemble);
* `snapshots within tolerance`: the mean over every epoch within the tolerance of the best validation mean;
* `time smooth W`: the mask smoothed over neighbouring frames with weights W (a post-filter outside the homework's
  one-column network, measured to see whether the error is frame-to-frame scatter);
* `2-seed ensemble`: the mean of two seeds' kept outputs, against the mean of those two seeds' own scores.

Each variant's difference from the kept network is paired by seed (t interval, 95 %).

    python benchmarks/inference_ensembles.py            # writes outputs/speech_ablation/inference_ensembles.json
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import speech_ablation as A  # noqa: E402

import helpers as H  # noqa: E402

SUMMARIES = ("mean_snr_db", "male_mean_snr_db", "worst_snr_db", "tail_snr_db", "test12_snr_db")
GAINS_DB = {"gains ±3 dB": (-3.0, 0.0, 3.0), "gains ±6 dB": (-6.0, -3.0, 0.0, 3.0, 6.0)}
SMOOTHING = {"time smooth 1-4-1": (1.0, 4.0, 1.0), "time smooth 1-2-1": (1.0, 2.0, 1.0)}
SNAPSHOTS = (3, 5)


def output_magnitudes(model: torch.nn.Module, mags: dict[str, np.ndarray], gains_db=(0.0,)) -> dict[str, np.ndarray]:
    """pair -> the network's (513, frames) estimate, averaged over the input gains (each output divided by its gain)."""
    cpu = torch.device("cpu")
    return {name: np.mean([H.predict_magnitude(model, (mag * 10 ** (g / 20)).astype(np.float32), cpu) / 10 ** (g / 20)
                           for g in gains_db], axis=0) for name, mag in mags.items()}


def smoothed_over_time(estimate: np.ndarray, mag: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    """The estimate with its mask (estimate / |X|) averaged over neighbouring frames with `weights`, times |X|."""
    w = np.asarray(weights) / np.sum(weights)
    mask = estimate / np.maximum(mag, 1e-9)
    half = len(w) // 2
    padded = np.pad(mask, ((0, 0), (half, half)), mode="edge")
    return sum(wi * padded[:, i:i + mask.shape[1]] for i, wi in enumerate(w)) * mag


def summary(pairs: dict, specs: dict, estimates: dict) -> dict[str, float]:
    """Dev-voice summaries, tail and test_12 SNR of the estimates (eq. 1 with the noisy phase, inverse STFT)."""
    scores = {k: [H.snr(s, H.reconstruct(specs[k], estimates[k], len(x)))] for k, (s, x) in pairs.items()}
    return H.summary_at_epoch(scores, 0)


def study(name: str, seeds: list[int], data: dict, tolerance: float) -> dict:
    """Train `name` with each seed and score every inference variant at the notebooks' kept epoch."""
    recipe = A.VARIANTS[name][0]
    pairs = A.scoring_pairs(recipe, data)
    specs = {k: H.stft(x) for k, (_, x) in pairs.items()}
    mags = {k: np.abs(v) for k, v in specs.items()}
    per_seed, kept_outputs, epochs, seconds = {}, [], [], []
    for seed in seeds:
        states: list[dict] = []
        start = time.perf_counter()
        run = A.train(recipe, data, seed, states=states)
        seconds.append(time.perf_counter() - start)
        kept = H.epoch_within_tolerance(run["scores_per_epoch"], tolerance)
        epochs.append(kept + 1)
        model = A.build_model(recipe, torch.ones(2, 513))
        model.load_state_dict(states[kept])
        base = output_magnitudes(model, mags)
        kept_outputs.append(base)
        variants = {"kept epoch": base}
        variants.update({label: output_magnitudes(model, mags, g) for label, g in GAINS_DB.items()})
        variants.update({label: {k: smoothed_over_time(base[k], mags[k], w) for k in mags}
                         for label, w in SMOOTHING.items()})
        val = H.validation_mean(run["scores_per_epoch"])
        groups = {f"snapshots {k}": range(max(0, kept - k + 1), kept + 1) for k in SNAPSHOTS}
        groups["snapshots within tolerance"] = [i for i, v in enumerate(val) if v >= max(val) - tolerance]
        for label, indices in groups.items():
            outs = []
            for i in indices:
                model.load_state_dict(states[i])
                outs.append(output_magnitudes(model, mags))
            variants[label] = {k: np.mean([o[k] for o in outs], axis=0) for k in mags}
        per_seed[seed] = {label: summary(pairs, specs, est) for label, est in variants.items()}
        print(f"{name} seed {seed}: epoch {kept + 1}, " + ", ".join(
            f"{label} {r['mean_snr_db']:.2f}" for label, r in per_seed[seed].items()), flush=True)
    labels = list(per_seed[seeds[0]])
    result = {"recipe": name, "seeds": seeds, "kept_epochs": epochs, "train_seconds": seconds,
              "variants": {label: {"per_seed": [per_seed[s][label] for s in seeds]} for label in labels}}
    for label in labels:
        entry = result["variants"][label]
        entry["mean"] = {k: float(np.mean([r[k] for r in entry["per_seed"]])) for k in SUMMARIES}
        if label != "kept epoch":
            entry["difference"] = {k: H.paired_interval([r[k] for r in entry["per_seed"]],
                                                        [per_seed[s]["kept epoch"][k] for s in seeds])
                                   for k in SUMMARIES}
    ensembles, singles = [], []
    for i, j in itertools.combinations(range(len(seeds)), 2):
        ensembles.append(summary(pairs, specs, {k: (kept_outputs[i][k] + kept_outputs[j][k]) / 2 for k in mags}))
        singles.append({k: (per_seed[seeds[i]]["kept epoch"][k] + per_seed[seeds[j]]["kept epoch"][k]) / 2
                        for k in SUMMARIES})
    result["two_seed_ensembles"] = {
        "pairs_of_seeds": [[seeds[i], seeds[j]] for i, j in itertools.combinations(range(len(seeds)), 2)],
        "per_pair": ensembles, "mean_of_the_two_singles": singles,
        "mean": {k: float(np.mean([r[k] for r in ensembles])) for k in SUMMARIES},
        "difference": {k: H.paired_interval([r[k] for r in ensembles], [r[k] for r in singles]) for k in SUMMARIES}}
    return result


def inference_ensembles_table(results: dict) -> str:
    """Markdown: per recipe and variant, the mean over seeds and the paired difference from the kept network."""
    lines = ["| recipe | variant | dev mean | male mean | worst voice | tail | test_12 |",
             "|---|---|---|---|---|---|---|"]
    for name, r in results["recipes"].items():
        rows = list(r["variants"].items())
        rows.append((f"2-seed ensemble ({len(r['two_seed_ensembles']['per_pair'])} pairs, against their singles)",
                     r["two_seed_ensembles"]))
        for label, v in rows:
            cells = []
            for k in SUMMARIES:
                d = v.get("difference", {}).get(k)
                cells.append(f"{v['mean'][k]:.2f}" + (f" ({d[0]:+.2f} [{d[1]:+.2f}, {d[2]:+.2f}])" if d else ""))
            lines.append(f"| {name} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipes", default=",".join(H.NOTEBOOK_RECIPES.values()))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--data-dir", default=str(H.default_data_dir()))
    parser.add_argument("--out", default=str(ROOT / "outputs" / "speech_ablation" / "inference_ensembles.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rules_file = ROOT / "outputs" / "speech_ablation" / "checkpoint_rules.json"
    tolerance = json.loads(rules_file.read_text())["chosen_tolerance_db"]
    data = A.load_data(H.speech_data_or_error(Path(args.data_dir)))
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.is_file() else {}
    results.update(command="python benchmarks/inference_ensembles.py", tolerance_db=tolerance,
                   threads=torch.get_num_threads(), test="paired t, 95%, over seeds")
    results.setdefault("recipes", {})
    for name in [n.strip() for n in args.recipes.split(",") if n.strip()]:
        results["recipes"][name] = study(name, [int(s) for s in args.seeds.split(",")], data, tolerance)
        H.save_json(out, results)
    print(inference_ensembles_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
