"""Does a network mistake a voice for noise? Each notebook recipe fed a dev voice's clean speech alone (Problems 1-2).

A denoiser given clean speech (no noise at all) should pass it: output/input near 0 dB in every band. This script
trains each notebook recipe (H.NOTEBOOK_RECIPES, seed 0, as speech_ablation.py does), keeps the epoch of the
notebooks' checkpoint rule (the latest within the tolerance of checkpoint_rules.json of the best validation mean)
and feeds it, per dev voice and per band (H.BAND_EDGES_HZ), the clean truth alone: how much of the voice it takes
out, in dB of the voice's energy in that band. The held-out tail of the training voice is the reference: a voice the
network knows. Beside it, the same voice in its noisy mixture (output/clean, where the noise is weak the two agree).

    python benchmarks/clean_input_masks.py                # both networks (about 7 min on one thread)
    python benchmarks/clean_input_masks.py --nets dnn     # one; results merge into the JSON
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

OUT = ROOT / "outputs" / "speech_ablation" / "clean_input_masks.json"


def band_kept_db(model: torch.nn.Module, s: np.ndarray, x: np.ndarray | None = None) -> list[float]:
    """Per band, in dB: the network's output energy over the clean speech's, for the clean speech alone as input
    (or the noisy mixture `x`, when given)."""
    S = H.stft(s)
    X = S if x is None else H.stft(x[: len(s)])
    estimate = H.predict_magnitude(model, H.magnitude(X), torch.device("cpu"))
    kept = H.magnitude_band_energies_db(estimate, 16000) - H.magnitude_band_energies_db(np.abs(S), 16000)
    return [float(v) for v in np.round(kept, 2)]


def study(net: str, data: dict, tolerance: float) -> dict:
    """Train the notebook recipe of `net` (seed 0), keep the epoch of the notebooks' rule, measure every pair."""
    name = H.NOTEBOOK_RECIPES[net]
    recipe = A.VARIANTS[name][0]
    states: list = []
    run = A.train(recipe, data, seed=0, states=states)
    epoch = H.epoch_within_tolerance(run["scores_per_epoch"], tolerance)
    model = A.build_model(recipe, torch.ones(2, 513))
    model.load_state_dict(states[epoch])
    rows = {}
    for pair, (s, x) in data["pairs"].items():
        if pair in ("tail_octave", "tail_bass"):
            continue
        rows[pair] = {"clean_alone_db": band_kept_db(model, s), "in_mixture_db": band_kept_db(model, s, x),
                      "snr_db": float(run["scores_per_epoch"][pair][epoch])}
    return {"recipe": name, "epoch": epoch + 1, "train_seconds": run["train_seconds"], "pairs": rows}


def clean_masks_table(results: dict) -> str:
    """Markdown: per network and pair, what the network keeps of the clean speech in each band (output/clean, dB),
    given the clean speech alone / given its noisy mixture."""
    edges = results["bands_hz"]
    names = [f"{lo}–{hi}" for lo, hi in zip(edges[:-1], edges[1:])]
    lines = ["| network | pair | SNR (dB) | " + " | ".join(names) + " |", "|---|---|---|" + "---|" * len(names)]
    for net, r in results["networks"].items():
        for pair, row in r["pairs"].items():
            kept = " | ".join(f"{a:.1f} / {b:.1f}" for a, b in zip(row["clean_alone_db"], row["in_mixture_db"]))
            lines.append(f"| {net.upper()} (`{r['recipe']}`, epoch {r['epoch']}) | {pair} | {row['snr_db']:.2f} | "
                         f"{kept} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nets", default="dnn,cnn")
    parser.add_argument("--data-dir", default=str(H.default_data_dir()))
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rules = ROOT / "outputs" / "speech_ablation" / "checkpoint_rules.json"
    tolerance = json.loads(rules.read_text())["chosen_tolerance_db"]
    data = A.load_data(Path(args.data_dir))
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.is_file() else {
        "command": "python benchmarks/clean_input_masks.py", "bands_hz": list(H.BAND_EDGES_HZ), "networks": {}}
    for net in [n.strip() for n in args.nets.split(",") if n.strip()]:
        results["networks"][net] = study(net, data, tolerance)
        H.save_json(out, results)
    print(clean_masks_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
