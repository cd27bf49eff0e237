"""Problems 1-2 across voices: the dev pairs' labels, scores summarised over voices, and where (per band) a
denoiser removes energy."""
from __future__ import annotations

import csv
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from hw2.audio import stft
from hw2.common import REPO_ROOT
from hw2.stats import welch_interval

DEV_VOICES_CSV = REPO_ROOT / "data" / "dev_voices.csv"
BAND_EDGES_HZ = (0, 75, 150, 300, 600, 1200, 2400, 4800, 8000)  # octave bands, the two lowest split


def dev_voice_labels(path: str | Path = DEV_VOICES_CSV) -> dict[str, dict]:
    """{pair id: {'voice', 'f0_hz', 'role', 'utterance', 'sha256', 'source'}} from data/dev_voices.csv."""
    path = Path(path)
    if not path.is_file():
        return {}
    with open(path, newline="") as f:
        return {row["pair"]: {**row, "f0_hz": float(row["f0_hz"])} for row in csv.DictReader(f)}


def _mean(values: list[float | None]) -> float | None:
    """The mean of the values that are not None (None when there are none)."""
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def voice_summary(scores: dict[str, dict], labels: dict[str, dict] | None = None) -> dict:
    """Means over the labelled dev pairs of `scores` ({pair id: score_pair dict}): all, male, female, the worst.

    Pairs without a label are listed under `unlabelled` and stay out of the means; pairs whose role is not "dev"
    (test_11: noise the networks train on) are reported elsewhere and never averaged in.
    """
    labels = dev_voice_labels() if labels is None else labels
    dev = [p for p in sorted(scores) if labels.get(p, {}).get("role") == "dev" and scores[p].get("snr_db") is not None]
    snrs = {p: scores[p]["snr_db"] for p in dev}
    out = {"pairs": dev, "n": len(dev), "labels": {p: labels[p]["voice"] for p in dev},
           "f0_hz": {p: labels[p]["f0_hz"] for p in dev},
           "unlabelled": [p for p in sorted(scores) if p not in labels and scores[p].get("snr_db") is not None],
           "snr_db": snrs}
    if not dev:
        return out
    worst = min(dev, key=lambda p: snrs[p])
    for voice in ("male", "female"):
        out[f"{voice}_mean_snr_db"] = _mean([snrs[p] for p in dev if labels[p]["voice"] == voice])
    out.update(mean_snr_db=_mean(list(snrs.values())), worst_snr_db=snrs[worst], worst_pair=worst,
               mean_input_snr_db=_mean([scores[p].get("input_snr_db") for p in dev]),
               mean_oracle_snr_db=_mean([scores[p].get("oracle_snr_db") for p in dev]),
               mean_pesq=_mean([scores[p].get("pesq") for p in dev]),
               mean_stoi=_mean([scores[p].get("stoi") for p in dev]))
    return out


def band_energies_db(signal: np.ndarray, sr: int, edges: tuple[float, ...] = BAND_EDGES_HZ) -> np.ndarray:
    """Energy of `signal` in each band [edges[i], edges[i+1]) Hz, in dB (power spectrum summed over time)."""
    return magnitude_band_energies_db(np.abs(stft(signal)), sr, edges)


def magnitude_band_energies_db(mag: np.ndarray, sr: int, edges: tuple[float, ...] = BAND_EDGES_HZ) -> np.ndarray:
    """Energy of a (bins, frames) STFT magnitude in each band [edges[i], edges[i+1]) Hz, in dB."""
    power = np.sum(np.asarray(mag) ** 2, axis=1)
    f = np.linspace(0, sr / 2, len(power))
    return np.array([10 * np.log10(np.sum(power[(f >= lo) & (f < hi)]) + 1e-20)
                     for lo, hi in zip(edges[:-1], edges[1:])])


def band_changes(x: np.ndarray, s_hat: np.ndarray, sr: int, s: np.ndarray | None = None,
                 noise: np.ndarray | None = None, noisy: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per band (BAND_EDGES_HZ), in dB: denoised/noisy input, and where given clean/noisy input and noise/`noisy`.

    `noise` is compared with `noisy` (default `x`): e.g. the training noise with the training mixture, to show
    how much of a band the network was taught to remove.
    """
    x_db = band_energies_db(x, sr)
    out = {"output_vs_input": band_energies_db(s_hat, sr) - x_db}
    if s is not None:
        out["clean_vs_input"] = band_energies_db(s, sr) - x_db
    if noise is not None:
        out["noise_vs_input"] = band_energies_db(noise, sr) - (x_db if noisy is None else band_energies_db(noisy, sr))
    return out


def plot_band_changes(panels: dict[str, dict[str, np.ndarray]], edges: tuple[float, ...] = BAND_EDGES_HZ):
    """One panel per signal (title -> band_changes dict): bars of output/input, noise/input and clean/input per band."""
    labels = [f"{lo:g}–{hi:g}" for lo, hi in zip(edges[:-1], edges[1:])]
    names = {"output_vs_input": "denoised / noisy", "noise_vs_input": "training noise / training mixture",
             "clean_vs_input": "clean truth / noisy"}
    fig, axes = plt.subplots(1, len(panels), figsize=(5.6 * len(panels), 3.4), sharey=True, constrained_layout=True)
    for ax, (title, bands) in zip(np.atleast_1d(axes), panels.items()):
        width = 0.8 / len(bands)
        for k, (key, values) in enumerate(bands.items()):
            pos = np.arange(len(labels)) + (k - (len(bands) - 1) / 2) * width
            ax.bar(pos, values, width, label=names.get(key, key))
        ax.axhline(0, c="k", lw=0.6)
        ax.set_xticks(np.arange(len(labels)), labels, rotation=45, fontsize=7)
        ax.set(title=title, xlabel="band (Hz)")
        ax.legend(fontsize=7, loc="lower left")
    np.atleast_1d(axes)[0].set_ylabel("dB relative to the noisy input")
    return fig


def voices_ablation_rows(results: dict, rules: tuple[str, ...] | None = None,
                         only_rule: str | None = None) -> list[dict]:
    """Ablation rows across voices: each run (or seed group: mean ± sd) at its recipe's rule, best dev mean first.

    `results` is the JSON written by benchmarks/speech_ablation.py; with `rules` each run also gets a row per rule.
    """
    groups: dict[str, list[dict]] = {}
    for key, run in results["variants"].items():
        groups.setdefault(key.split("/")[0], []).append(run)
    rows = []
    for name, runs in groups.items():
        own = runs[0]["recipe"].get("checkpoint", results.get("default_rule", "last"))
        for rule in [only_rule] if only_rule else [own, *(r for r in (rules or ()) if r != own)]:
            kept = [run["rules"][rule] for run in runs if "mean_snr_db" in run["rules"].get(rule, {})]
            if not kept:
                continue
            cell = {k: _mean_sd([r[k] for r in kept]) for k in ("mean_snr_db", "male_mean_snr_db",
                                                                   "female_mean_snr_db", "worst_snr_db",
                                                                   "tail_snr_db", "test12_snr_db", "test11_snr_db")}
            worst = sorted({r["worst_pair"] for r in kept})
            rows.append({"variant": name if rule == own or only_rule else f"{name}, rule '{rule}'", "seeds": len(kept),
                         "rule": rule, "epoch": "/".join(str(r["epoch"]) for r in kept), "worst pair": ",".join(worst),
                         "change": runs[0].get("change", ""), **cell,
                         "_sort": float(np.mean([r["mean_snr_db"] for r in kept]))})
    return sorted(rows, key=lambda r: -r["_sort"])


def _mean_sd(values: list[float]) -> str:
    """'m' for one value, 'm ± sd' for several."""
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f}"


def voices_ablation_table(path: str | Path, rules: tuple[str, ...] | None = None, names: list[str] | None = None,
                          describe: bool = True, only_rule: str | None = None) -> str:
    """Markdown of voices_ablation_rows from a JSON file (only the variants in `names`, when given)."""
    path = Path(path)
    if not path.is_file():
        return f"(no results: {path.name} is missing; run benchmarks/speech_ablation.py)"
    import json

    rows = [r for r in voices_ablation_rows(json.loads(path.read_text()), rules, only_rule)
            if names is None or r["variant"].split(",")[0] in names]
    head = ["variant", "seeds", "epoch", "dev mean", "male mean", "female mean", "worst (pair)", "tail", "test_12",
            "test_11"] + (["what it changes"] if describe else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["variant"], str(r["seeds"]), f"{r['epoch']} ({r['rule']})", f"**{r['mean_snr_db']}**",
                 r["male_mean_snr_db"], r["female_mean_snr_db"], f"{r['worst_snr_db']} ({r['worst pair']})",
                 r["tail_snr_db"], r["test12_snr_db"], r["test11_snr_db"]] + ([r["change"]] if describe else [])
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def voices_table(runs: dict[str, dict], labels: dict[str, dict] | None = None) -> str:
    """Markdown: one row per scored pair (validation, each dev voice, test_11), the dev means and the worst last.

    `runs` maps a network's label to its metrics.json; each network gets SNR, PESQ and STOI columns.
    """
    labels = dev_voice_labels() if labels is None else labels
    first = next(iter(runs.values()))
    scored = sorted(p for p, t in first["tests"].items() if t.get("snr_db") is not None)
    dev = [p for p in scored if labels.get(p, {}).get("role") == "dev"]
    pairs = ["validation", *dev, *(p for p in scored if p not in dev)]

    def scores(m: dict, pair: str) -> dict:
        return m["validation"] if pair == "validation" else m["tests"].get(pair, {})

    def fmt(v, spec: str) -> str:
        return "–" if v is None else spec.format(v)

    head = ["pair", "voice", "f0 (Hz)", "input SNR", "oracle SNR"]
    for name in runs:
        head += [f"{name} SNR", "PESQ", "STOI"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for pair in pairs:
        label = labels.get("train" if pair == "validation" else pair, {})
        voice = label.get("voice", "unlabelled") + (" (trained noise)" if label.get("role") == "trained noise" else "")
        voice = "training voice, held-out tail" if pair == "validation" else voice
        f0 = fmt(label.get("f0_hz"), "{:.0f}")
        m0 = scores(first, pair)
        cells = [pair, voice, f0, fmt(m0.get("input_snr_db"), "{:.2f}"), fmt(m0.get("oracle_snr_db"), "{:.2f}")]
        for m in runs.values():
            sc = scores(m, pair)
            cells += [f"**{fmt(sc.get('snr_db'), '{:.2f}')}**", fmt(sc.get("pesq"), "{:.2f}"),
                      fmt(sc.get("stoi"), "{:.3f}")]
        lines.append("| " + " | ".join(cells) + " |")
    summaries = {name: voice_summary(m["tests"], labels) for name, m in runs.items()}
    s0 = next(iter(summaries.values()))
    if s0.get("pairs"):
        for key, text in (("mean", "mean of the dev voices"), ("male_mean", "mean, male"),
                          ("female_mean", "mean, female"), ("worst", "worst dev voice")):
            cells = [text, "", "", fmt(s0.get("mean_input_snr_db") if key == "mean" else None, "{:.2f}"),
                     fmt(s0.get("mean_oracle_snr_db") if key == "mean" else None, "{:.2f}")]
            for s in summaries.values():
                snr_text = fmt(s.get(f"{key}_snr_db"), "{:.2f}") + (f" ({s['worst_pair']})" if key == "worst" else "")
                cells += [f"**{snr_text}**", fmt(s.get("mean_pesq") if key == "mean" else None, "{:.2f}"),
                          fmt(s.get("mean_stoi") if key == "mean" else None, "{:.3f}")]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def band_panels(model, run: dict, metrics: dict, device) -> dict[str, dict[str, np.ndarray]]:
    """Per-band changes (band_changes) for Prof. K's test_x_02 and the deepest labelled dev voice, when present."""
    from hw2.audio import load_wav
    from hw2.denoiser import denoise

    sr, folder, panels = run["sr"], Path(run["data_dir"]), {}
    if "02" in metrics["tests"]:
        x = load_wav(folder / "test_x_02.wav", sr)[0]
        panels["test_x_02 (Prof. K)"] = band_changes(x, denoise(model, x, device), sr,
                                                     noise=run["x_train"] - run["s_train"], noisy=run["x_train"])
    deep = deepest_dev_voice(metrics)
    if deep is not None:
        x, s = (load_wav(folder / f"test_{k}_{deep}.wav", sr)[0] for k in "xs")
        panels[f"test_x_{deep} ({metrics['voices']['f0_hz'][deep]:.0f} Hz)"] = band_changes(
            x, denoise(model, x, device), sr, s=s)
    return panels


def deepest_dev_voice(metrics: dict) -> str | None:
    """The scored dev pair with the lowest f0, or None."""
    voices = metrics.get("voices", {})
    return min(voices.get("pairs", []), key=lambda p: voices["f0_hz"][p], default=None)


def low_band_removed_db(panels: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, float]]:
    """For metrics.json: per panel, the dB the network takes out of 0-75 and 75-150 Hz (denoised / noisy)."""
    return {title: {f"{lo}-{hi} Hz": -float(bands["output_vs_input"][i])
                    for i, (lo, hi) in enumerate(zip(BAND_EDGES_HZ[:2], BAND_EDGES_HZ[1:3]))}
            for title, bands in panels.items()}


def player_html(run: dict, out_dir: str | Path, pair: str, what: str, seconds: float | None = None) -> str:
    """HTML players for test_x_<pair>.wav and its denoised test_s_<pair>_recons.wav (the first `seconds`)."""
    from hw2.audio import load_wav
    from hw2.speech_report import audio_html

    sr = run["sr"]
    x = load_wav(Path(run["data_dir"]) / f"test_x_{pair}.wav", sr)[0]
    s_hat = load_wav(Path(out_dir) / f"test_s_{pair}_recons.wav", sr)[0]
    return (audio_html(x, sr, f"test_x_{pair}.wav ({what}), noisy", seconds)
            + audio_html(s_hat, sr, f"test_s_{pair}_recons.wav, denoised", seconds))


VALIDATION_SIGNALS = ("tail", "tail_octave", "tail_bass")  # the ablation's names of the notebooks' three signals
# the variants the notebooks' defaults are
NOTEBOOK_RECIPES = {"dnn": "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-shop128-cleaner",
                    "cnn": "cnn-voices-h1024"}


def summary_at_epoch(scores: dict[str, list[float]], epoch: int) -> dict[str, float]:
    """An ablation run's dev-voice summaries, tail and test_12 SNR at one epoch (index) of its per-epoch scores."""
    s = voice_summary({k[4:]: {"snr_db": v[epoch]} for k, v in scores.items() if k.startswith("test")})
    return {"mean_snr_db": s["mean_snr_db"], "male_mean_snr_db": s["male_mean_snr_db"],
            "worst_snr_db": s["worst_snr_db"], "tail_snr_db": scores["tail"][epoch],
            "test12_snr_db": scores["test12"][epoch]}


def validation_mean(scores: dict[str, list[float]]) -> list[float]:
    """The notebooks' selection score per epoch of an ablation run: the mean of the three validation SNRs."""
    return list(np.mean([scores[k] for k in VALIDATION_SIGNALS], axis=0))


def epoch_within_tolerance(scores: dict[str, list[float]], tolerance: float) -> int:
    """The epoch (index) the notebooks keep: the latest whose mean of the validation signals is within `tolerance`."""
    from hw2.denoiser import kept_epoch

    return kept_epoch(validation_mean(scores), tolerance)


def seed_comparison(path: str | Path, a: str, b: str, key: str = "mean_snr_db",
                    tolerance: float | None = None) -> dict | None:
    """Dev-mean SNR (or another summary `key`) of variant `a` minus variant `b` over their seeds in a seeds JSON,
    with Welch's 95% interval: each run at its recipe's rule, or with `tolerance` at the notebooks' rule.

    None when the file or either variant (with at least two seeds) is missing.
    """
    import json

    path = Path(path)
    if not path.is_file():
        return None
    results = json.loads(path.read_text())
    means = {}
    for name in (a, b):
        runs = [r for k, r in results["variants"].items() if k.split("/")[0] == name]
        means[name] = [r["rules"][r["recipe"]["checkpoint"]][key] if tolerance is None else
                       summary_at_epoch(r["scores_per_epoch"], epoch_within_tolerance(r["scores_per_epoch"],
                                                                                      tolerance))[key] for r in runs]
    if min(len(v) for v in means.values()) < 2:
        return None
    diff, low, high = welch_interval(means[a], means[b])
    return {"a": a, "b": b, "a_dev_means": means[a], "b_dev_means": means[b], "n_a": len(means[a]),
            "n_b": len(means[b]), "difference_db": diff, "low_db": low, "high_db": high, "test": "Welch's t, 95%",
            "tolerance_db": tolerance}
