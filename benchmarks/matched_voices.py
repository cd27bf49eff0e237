"""How much of the gap is the voice? Each notebook recipe trained also on the dev speakers' other words (Problems 1-2).

A diagnostic, never a recipe: the dev voices 21-26 are each the opening of a longer LibriSpeech recording
(data/README.md). What follows the cut (3.5-9.5 s per speaker, `H.held_out_remainder`: other words of the same
speaker, in the same room, scaled like the pair) is added to the notebook recipe's training voices, repeated so that
it makes about `--share` of the training columns, and mixed with the training noise like every other voice. The
dev pairs themselves stay unheard. If the networks then score far higher on 21-26, what keeps them below the
oracle is that they have not heard such voices (a data problem, which augmentation may close); if they score about
the same, a network that sees one noisy column at a time is near its limit on this noise. `test_12` (a speaker not
added) is the control. Each run is compared with the stored run of the same recipe and seed
(`voices.json`, `voices_seeds.json`), both at the notebooks' checkpoint rule.

    python benchmarks/matched_voices.py                       # both networks, seed 0 (about 11 min on one thread)
    python benchmarks/matched_voices.py --nets dnn --seeds 1  # results merge into the JSON
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import speech_ablation as A  # noqa: E402

import helpers as H  # noqa: E402

OUT = ROOT / "outputs" / "speech_ablation" / "matched_voices.json"
STORED = ROOT / "outputs" / "speech_ablation"


def dev_speaker_remainders(data_dir: Path) -> dict[str, np.ndarray]:
    """pair -> the rest of its source recording after the pair's cut, scaled as the pair (checksums checked)."""
    c = H.load_training_pair(data_dir)[0]
    found = {}
    for pair, row in H.dev_voice_labels().items():
        if row.get("utterance"):
            source = H.read_source(data_dir / "voices" / f"{row['utterance']}.flac", row.get("sha256") or None)
            found[pair] = H.held_out_remainder(source, c)
    if not found:
        raise FileNotFoundError(f"{data_dir / 'voices'}: no source recordings of the dev voices; put them there "
                                "(data/README.md says where they come from).")
    return found


def repeats_for_share(train_samples: int, extra_samples: int, share: float) -> int:
    """How many copies of the extra speech make about `share` of all training samples (at least one)."""
    return max(1, round(share / (1 - share) * train_samples / extra_samples))


def summary(scores: dict[str, list[float]], tolerance: float) -> dict:
    """The dev summaries, the tail, and every pair's SNR at the notebooks' rule (the latest epoch within
    `tolerance` dB of the best validation mean)."""
    e = H.epoch_within_tolerance(scores, tolerance)
    found = H.summary_at_epoch(scores, e)
    pairs = {k[4:]: round(v[e], 3) for k, v in scores.items() if k.startswith("test")}
    return {"epoch": e + 1, **found, "pairs": pairs}


def stored_run(name: str, seed: int) -> dict | None:
    """The stored per-epoch scores of a recipe at a seed (voices.json holds seed 0, voices_seeds.json the others)."""
    for file, key in (("voices_seeds.json", f"{name}/seed{seed}"), ("voices.json", name if seed == 0 else None)):
        path = STORED / file
        if key and path.is_file():
            run = json.loads(path.read_text())["variants"].get(key)
            if run:
                return run
    return None


def _difference(values: list[float]) -> str:
    """A table cell: the mean of per-seed differences, with its paired-t 95 % interval when there are 2+ seeds."""
    if len(values) < 2:
        return f"{values[0]:+.2f}"
    mean, low, high = H.paired_interval(values, [0.0] * len(values))
    return f"{mean:+.2f} [{low:+.2f}, {high:+.2f}]"


def matched_voices_table(results: dict) -> str:
    """Markdown: per network, the notebook recipe against the same recipe that also heard the dev speakers' other
    words (means over the seeds run), and the difference."""
    pairs = sorted({p for r in results["networks"].values() for s in r["seeds"].values()
                    for p in s["matched"]["pairs"]})
    cols = [("mean_snr_db", "dev mean"), ("male_mean_snr_db", "male mean"), ("worst_snr_db", "worst"),
            ("tail_snr_db", "tail")]
    lines = ["| network | training voices | seeds | " + " | ".join(c for _, c in cols) + " | "
             + " | ".join(f"test_{p}" for p in pairs) + " |", "|---|---|---|" + "---|" * (len(cols) + len(pairs))]
    for net, r in results["networks"].items():
        runs = [s for s in r["seeds"].values() if s.get("default")]
        means = {arm: {**{k: np.mean([s[arm][k] for s in runs]) for k, _ in cols},
                       **{p: np.mean([s[arm]["pairs"][p] for s in runs]) for p in pairs}} for arm in ("default",
                                                                                                        "matched")}
        name = r.get("label", net.upper())  # a recipe kept beside the one now diagnosed carries its own label
        for arm, label in (("default", "the recipe's"), ("matched", "+ the dev speakers' other words")):
            lines.append(f"| {name} (`{r['recipe']}`) | {label} | {len(runs)} | "
                         + " | ".join(f"{means[arm][k]:.2f}" for k, _ in cols) + " | "
                         + " | ".join(f"{means[arm][p]:.2f}" for p in pairs) + " |")
        lines.append(f"| {name} | difference{' [95 % CI, paired t]' if len(runs) > 1 else ''} | {len(runs)} | "
                     + " | ".join(_difference(H.matched_differences(runs, k)) for k in [*(k for k, _ in cols), *pairs])
                     + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nets", default="dnn,cnn")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--share", type=float, default=1 / 3, help="about this share of the training columns")
    parser.add_argument("--data-dir", default=str(H.default_data_dir()))
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    tolerance = json.loads((STORED / "checkpoint_rules.json").read_text())["chosen_tolerance_db"]
    data_dir = H.speech_data_or_error(Path(args.data_dir))
    data = A.load_data(data_dir)
    remainders = dev_speaker_remainders(data_dir)
    out = Path(args.out)
    for net in [n.strip() for n in args.nets.split(",") if n.strip()]:
        name = H.NOTEBOOK_RECIPES[net]
        recipe = A.VARIANTS[name][0]
        voices = len(recipe.semitones) * (len(recipe.formant_fraction) if isinstance(recipe.formant_fraction, tuple)
                                          else 1)
        repeat = repeats_for_share(voices * len(data["s_train"]), sum(map(len, remainders.values())), args.share)
        for seed in [int(s) for s in args.seeds.split(",")]:
            run = A.train(recipe, data, seed, extra_voices=list(remainders.values()) * repeat)
            stored = stored_run(name, seed)
            results = json.loads(out.read_text()) if out.is_file() else {
                "command": "python benchmarks/matched_voices.py", "tolerance_db": tolerance, "networks": {}}
            results.update(share=args.share, remainder_seconds={p: round(len(v) / data["sr"], 2)
                                                                for p, v in remainders.items()})
            entry = results["networks"].setdefault(net, {"recipe": name, "seeds": {}})
            entry.update(recipe=name, repeat=repeat)
            entry["seeds"][str(seed)] = {
                "train_seconds": run["train_seconds"], "scores_per_epoch": run["scores_per_epoch"],
                "matched": summary(run["scores_per_epoch"], tolerance),
                "default": summary(stored["scores_per_epoch"], tolerance) if stored else None}
            H.save_json(out, results)
            print(matched_voices_table(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
