"""Problems 1-2, what the notebooks show: score tables, audio players, seed and ablation tables, plots."""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import soundfile as sf

from hw2.audio import HOP_LENGTH, load_wav, stft
from hw2.stats import paired_interval

SUMMARY_COLUMNS = (("mean_snr_db", "dev mean"), ("male_mean_snr_db", "male mean"), ("worst_snr_db", "worst voice"),
                   ("tail_snr_db", "tail"), ("test12_snr_db", "test_12"))  # an ablation run's summaries, as tabled
MEASURES = (("snr_db", "SNR (dB)", "{:.2f}"), ("pesq", "PESQ", "{:.2f}"), ("stoi", "STOI", "{:.3f}"),
            ("si_sdr_db", "SI-SDR (dB)", "{:.2f}"))


def _fmt(value: float | None, spec: str) -> str:
    """A number for a table, or a dash for a missing one."""
    return "–" if value is None else spec.format(value)


def scores_table(pairs: dict[str, dict], label: str = "this network") -> str:
    """Markdown: for each pair (name -> score_pair dict) rows noisy input / `label` / oracle, one column per measure."""
    head = "| pair | signal | " + " | ".join(h for _, h, _ in MEASURES) + " |\n|---|---|" + "---|" * len(MEASURES)
    rows = []
    for name, m in pairs.items():
        for prefix, who in (("input_", "noisy input"), ("", f"**{label}**"), ("oracle_", "oracle")):
            rows.append(f"| {name} | {who} | " + " | ".join(_fmt(m.get(prefix + k), f) for k, _, f in MEASURES) + " |")
    return "\n".join([head, *rows])


def comparison_table(runs: dict[str, dict[str, dict]], measures: tuple[str, ...] = ("snr_db", "pesq", "stoi")) -> str:
    """Markdown: one row per (pair, signal) with columns `measures`; runs = {label: {pair: score_pair dict}}."""
    names = {k: h for k, h, _ in MEASURES}
    specs = {k: f for k, _, f in MEASURES}
    head = "| pair | signal | " + " | ".join(names[k] for k in measures) + " |\n|---|---|" + "---|" * len(measures)
    rows = []
    first = next(iter(runs.values()))
    for pair in first:
        rows.append(_row(pair, "noisy input", "input_", first[pair], measures, specs))
        rows += [_row(pair, f"**{label}**", "", run[pair], measures, specs)
                 for label, run in runs.items() if pair in run]
        rows.append(_row(pair, "oracle", "oracle_", first[pair], measures, specs))
    return "\n".join([head, *rows])


def _row(pair: str, who: str, prefix: str, m: dict, measures: tuple[str, ...], specs: dict) -> str:
    """One Markdown row of comparison_table."""
    return f"| {pair} | {who} | " + " | ".join(_fmt(m.get(prefix + k), specs[k]) for k in measures) + " |"


def audio_html(signal: np.ndarray, sr: int, label: str = "", seconds: float | None = None) -> str:
    """An HTML audio player holding `signal` (its first `seconds`) as embedded MP3: small enough for GitHub."""
    clip = np.clip(np.asarray(signal[: int(seconds * sr)] if seconds else signal, dtype=np.float32), -1, 1)
    buf = io.BytesIO()
    sf.write(buf, clip, sr, format="MP3", subtype="MPEG_LAYER_III")
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<p>{label}<br><audio controls src="data:audio/mpeg;base64,{data}"></audio></p>'


def seeds_table(path: str | Path) -> str:
    """Markdown: mean ± sd over seeds of the SNRs at the kept epoch (and the tail at the last), from the seeds JSON."""
    path = Path(path)
    if not path.is_file():
        return f"(no seed study: {path.name} is missing; run benchmarks/speech_ablation.py with --seeds)"
    results = json.loads(path.read_text())
    by_net: dict[str, list[dict]] = {}
    for key, r in results["variants"].items():
        by_net.setdefault(key.split("/")[0], []).append(r)
    rows = ["| network | seeds | tail SNR (dB) | test_12 SNR (dB) | test_11 SNR (dB) | tail, last epoch (dB) |",
            "|---|---|---|---|---|---|"]
    for net, runs in by_net.items():
        kept = [r["rules"][r["recipe"].get("checkpoint", results["default_rule"])] for r in runs]  # the recipe's rule
        columns = [[k[f"{m}_snr_db"] for k in kept] for m in ("tail", "test12", "test11")]
        columns.append([r["rules"]["last"]["tail_snr_db"] for r in runs])
        cells = [f"{np.mean(v):.2f} ± {np.std(v, ddof=1) if len(v) > 1 else 0:.2f}" for v in columns]
        rows.append(f"| {net} | {len(runs)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def plot_comparison(runs: dict[str, dict[str, dict]], pairs: list[str]):
    """Grouped bars of SNR: noisy input, each network and the oracle on each of `pairs` (runs = {label: pairs})."""
    first = next(iter(runs.values()))
    bars = {"noisy input": [first[p]["input_snr_db"] for p in pairs]}
    bars.update({label: [run[p]["snr_db"] for p in pairs] for label, run in runs.items()})
    bars["oracle"] = [first[p]["oracle_snr_db"] for p in pairs]
    fig, ax = plt.subplots(figsize=(7.5, 3.4), constrained_layout=True)
    width = 0.8 / len(bars)
    for k, (label, values) in enumerate(bars.items()):
        pos = np.arange(len(pairs)) + (k - (len(bars) - 1) / 2) * width
        ax.bar(pos, values, width, label=label)
        for xpos, v in zip(pos, values):
            ax.text(xpos, v + 0.2, f"{v:.1f}", ha="center", fontsize=7)
    ax.set_xticks(np.arange(len(pairs)), pairs)
    ax.set(ylabel="SNR (dB)", title="denoising: noisy input, networks, oracle")
    ax.legend(fontsize=8, ncol=len(bars), loc="upper center", bbox_to_anchor=(0.5, -0.12))
    return fig


def show_jpeg(fig, dpi: int = 90, quality: int = 80):
    """Display a figure inline as JPEG (spectrograms are noise-like: a PNG of one weighs ~300 KB) and close it."""
    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="jpeg", dpi=dpi, bbox_inches="tight", pil_kwargs={"quality": quality})
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="jpeg"))


def ablation_table(path: str | Path) -> str:
    """Markdown of the ablation JSON written by benchmarks/speech_ablation.py (a note when it is missing)."""
    path = Path(path)
    if not path.is_file():
        return f"(no ablation results: {path.name} is missing; run `python benchmarks/speech_ablation.py`)"
    runs = json.loads(path.read_text())["runs"]
    head = ("| variant | what it changes | epoch kept (rule) | tail SNR | test_12 SNR | test_11 SNR "
            "| test_12, last epoch |\n|---|---|---|---|---|---|---|")
    rows = [f"| {r['name']} | {r['change'].replace('|', chr(92) + '|')} | {r['epoch']} ({r['rule']}) | "
            f"{r['tail_snr_db']:.2f} | "
            f"{r['test12_snr_db']:.2f} | {r['test11_snr_db']:.2f} | {r['test12_last_epoch_snr_db']:.2f} |"
            for r in runs]
    return "\n".join([head, *rows])


def plot_spectrograms(mags: dict[str, np.ndarray], sr: int, title: str = ""):
    """Side-by-side dB spectrograms of the magnitudes in `mags` (label -> (513, frames)) on one scale."""
    top = max(float(m.max()) for m in mags.values())
    fig, axes = plt.subplots(1, len(mags), figsize=(4.2 * len(mags), 3.4), sharey=True, constrained_layout=True)
    axes = np.atleast_1d(axes)
    for ax, (label, m) in zip(axes, mags.items()):
        db = 20 * np.log10(np.maximum(m, 1e-6) / top)
        extent = (0, m.shape[1] * HOP_LENGTH / sr, 0, sr / 2000)
        im = ax.imshow(db, origin="lower", aspect="auto", extent=extent, vmin=-80, vmax=0, cmap="magma")
        ax.set(title=label, xlabel="time (s)")
    axes[0].set_ylabel("frequency (kHz)")
    fig.colorbar(im, ax=axes, label="dB", shrink=0.9)
    if title:
        fig.suptitle(title)
    return fig


def plot_denoiser_history(history: dict, references: dict[str, float] | None = None):
    """Training loss and every evaluated SNR per epoch; the kept epoch and reference lines (label -> dB) marked."""
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6), constrained_layout=True)
    a.plot(epochs, history["train_loss"])
    a.set(xlabel="epoch", ylabel="training MSE", yscale="log", title="training loss")
    for name, values in history["scores"].items():
        b.plot(epochs, values, label=name)
    for (label, value), style in zip((references or {}).items(), (":", "--", "-.", ":")):
        b.axhline(value, ls=style, c="gray", label=f"{label} {value:.1f} dB")
    b.axvline(history["best_epoch"], c="k", alpha=0.3, label=f"kept epoch {history['best_epoch']}")
    b.set(xlabel="epoch", ylabel="SNR (dB)", title="SNR after each epoch")
    b.legend(loc="lower right", fontsize=8)
    return fig


def plot_test_spectrograms(metrics: dict, data_dir: Path, out_dir: Path, sr: int, pair_id: str = "02"):
    """Noisy and denoised spectrograms of test_x_<pair_id>, saved as spectrograms_test_<pair_id>.png."""
    t = metrics["tests"][pair_id]
    noisy, _ = load_wav(Path(data_dir) / t["input"], sr)
    clean, _ = load_wav(Path(out_dir) / t["output"], sr)
    fig = plot_spectrograms({f"noisy {t['input']}": np.abs(stft(noisy)),
                             f"denoised {t['output']}": np.abs(stft(clean))}, sr)
    return fig, noisy, clean


def checkpoint_rules_table(path: str | Path, groups: tuple[str, ...] = ("dnn", "cnn", "all")) -> str:
    """Markdown from benchmarks/checkpoint_rules.py's JSON: each rule's mean summaries over the stored runs, and
    its paired difference from the baseline rule with the 95% interval; '' when the file is missing."""
    path = Path(path)
    if not path.is_file():
        return ""
    result = json.loads(path.read_text())
    keys = SUMMARY_COLUMNS
    names = {"dnn": "DNN", "cnn": "CNN", "all": "both"}
    rows = ["| runs | rule | mean kept epoch | " + " | ".join(h for _, h in keys) + " |", "|---|---|---|" + "---|" * 5]
    for group in groups:
        found = result["groups"].get(group)
        for rule, row in (found or {}).get("rules", {}).items():
            cells = [f"{row[k]['mean']:.2f}" if rule == result["baseline"] else
                     f"{row[k]['mean']:.2f} ({row[k]['difference']:+.2f} [{row[k]['low']:+.2f}, {row[k]['high']:+.2f}])"
                     for k, _ in keys]
            rows.append(f"| {names[group]} ({found['runs']}) | {rule} | {row['mean_epoch']:.1f} | " + " | ".join(cells)
                        + " |")
    return "\n".join(rows)


def tolerance_seeds_table(path: str | Path) -> str:
    """Markdown from checkpoint_rules.py's JSON: each seed study at the notebooks' rule (mean ± sd), then Welch's
    differences between recipes; '' when the file or its seed studies are missing."""
    path = Path(path)
    found = json.loads(path.read_text()).get("seeds_at_chosen_tolerance", {}) if path.is_file() else {}
    if not found.get("variants"):
        return ""
    keys = SUMMARY_COLUMNS
    rows = ["| variant | seeds | kept epochs | " + " | ".join(h for _, h in keys) + " |", "|---|---|---|" + "---|" * 5]
    for name, study in sorted(found["variants"].items(), key=lambda kv: -np.mean(kv[1]["mean_snr_db"])):
        cells = [f"{np.mean(study[k]):.2f} ± {np.std(study[k], ddof=1):.2f}" for k, _ in keys]
        rows.append(f"| {name} | {len(study['epochs'])} | {'/'.join(map(str, study['epochs']))} | " + " | ".join(cells)
                    + " |")
    rows += ["", "| comparison | " + " | ".join(h for _, h in keys) + " |", "|---|" + "---|" * 5]
    for d in found["differences"]:
        rows.append(f"| {d['a']} − {d['b']} | " + " | ".join(
            f"{d[k]['difference']:+.2f} [{d[k]['low']:+.2f}, {d[k]['high']:+.2f}]" for k, _ in keys) + " |")
    return "\n".join(rows)


def recipe_seeds(path: str | Path, recipe: str) -> dict | None:
    """`recipe`'s seed study in benchmarks/checkpoint_rules.py's JSON, at the notebooks' checkpoint rule: the seeds
    and each summary's mean, sd, lowest and highest (dB); None without the file or a study of 2+ seeds."""
    path = Path(path)
    found = json.loads(path.read_text()).get("seeds_at_chosen_tolerance", {}) if path.is_file() else {}
    study = found.get("variants", {}).get(recipe)
    if not study or len(study["epochs"]) < 2:
        return None
    out = {"source": "benchmarks/checkpoint_rules.py", "recipe": recipe, "seeds": len(study["epochs"]),
           "tolerance_db": found["tolerance_db"]}
    for key, _ in SUMMARY_COLUMNS:
        v = np.asarray(study[key], dtype=float)
        out[key] = {"mean": float(v.mean()), "sd": float(v.std(ddof=1)), "min": float(v.min()), "max": float(v.max())}
    return out


def recipe_seeds_sentence(seeds: dict, this_run_db: float) -> str:
    """One sentence for a notebook's Conclusion: the recipe over its seeds, and where this run's dev mean lies."""
    m = seeds["mean_snr_db"]
    where = ("above" if round(this_run_db, 2) > round(m["max"], 2) else
             "below" if round(this_run_db, 2) < round(m["min"], 2) else "within")

    def spread(key: str) -> str:
        return f"{seeds[key]['mean']:.2f} ± {seeds[key]['sd']:.2f} dB"
    return (f"This notebook's default recipe over {seeds['seeds']} seeds ({seeds['source']}, this notebook's rule): "
            f"dev mean {spread('mean_snr_db')} (seeds {m['min']:.2f} to {m['max']:.2f}; this run's "
            f"{this_run_db:.2f} lies {where} them), male mean {spread('male_mean_snr_db')}, worst voice "
            f"{spread('worst_snr_db')}, held-out tail {spread('tail_snr_db')}.")


def held_out_tail_sentence(validation: dict) -> str:
    """One sentence for a notebook's Conclusion: the kept epoch's SNR on the training voice's held-out tail."""
    return (f"On the held-out tail of the training voice: {validation['snr_db']:.2f} dB "
            f"(input {validation['input_snr_db']:.2f} dB) at epoch {validation['best_epoch']}.")


def matched_differences(runs: list[dict], key: str) -> list[float]:
    """Per seed of benchmarks/matched_voices.py: the matched run's summary `key` (or pair `key`'s SNR) minus the
    recipe's own at the same seed, in dB."""
    def value(arm: dict) -> float:
        return arm[key] if key in arm else arm["pairs"][key]
    return [value(s["matched"]) - value(s["default"]) for s in runs]


def _matched_networks(path: str | Path) -> dict:
    """The `networks` of benchmarks/matched_voices.py's JSON; {} when the file is missing."""
    path = Path(path)
    return json.loads(path.read_text())["networks"] if path.is_file() else {}


def matched_voices_gains(path: str | Path, recipe: str, deep: tuple[str, ...] = ("21", "22", "24")) -> dict | None:
    """From benchmarks/matched_voices.py's JSON: how much `recipe` gains (dB, mean over the seeds run) when its
    training also hears the dev speakers' other words; None without a run of `recipe`."""
    runs = [s for r in _matched_networks(path).values() if r["recipe"] == recipe
            for s in r["seeds"].values() if s.get("default")]
    if not runs:
        return None
    dev = matched_differences(runs, "mean_snr_db")
    per = [float(np.mean(matched_differences(runs, p))) for p in deep]
    _, low, high = paired_interval(dev, [0.0] * len(dev)) if len(runs) > 1 else (None, None, None)
    return {"source": "benchmarks/matched_voices.py", "recipe": recipe, "seeds": len(runs),
            "dev_mean_gain_db": float(np.mean(dev)), "dev_mean_gain_low_db": low, "dev_mean_gain_high_db": high,
            "test": "paired t over the seeds, 95%",
            "male_mean_gain_db": float(np.mean(matched_differences(runs, "male_mean_snr_db"))),
            "deep_pairs": list(deep), "deep_gain_min_db": min(per), "deep_gain_max_db": max(per)}


def matched_voices_recipe(path: str | Path, net: str) -> str | None:
    """The recipe benchmarks/matched_voices.py diagnosed for `net` ("dnn" or "cnn"); None without its JSON or run."""
    return _matched_networks(path).get(net, {}).get("recipe")


def matched_voices_sentence(gains: dict, default: str | None = None) -> str:
    """One sentence on matched_voices_gains' result, for a notebook's Conclusion; a recipe other than `default`
    (the notebook's) is named as an earlier default."""
    interval = ("" if gains.get("dev_mean_gain_low_db") is None else f" (CI, {gains['test']}: "
                f"[{gains['dev_mean_gain_low_db']:+.2f}, {gains['dev_mean_gain_high_db']:+.2f}])")
    who = "the default recipe" if default in (None, gains["recipe"]) else f"the earlier default `{gains['recipe']}`"
    return (f"Trained also on the dev speakers' other words ({gains['source']}, {gains['seeds']} seeds), {who} "
            f"moves the dev mean by {gains['dev_mean_gain_db']:+.2f} dB{interval}, the male mean by "
            f"{gains['male_mean_gain_db']:+.2f} dB, and the deep voices {', '.join(gains['deep_pairs'])} by "
            f"{gains['deep_gain_min_db']:+.2f} to {gains['deep_gain_max_db']:+.2f} dB: hearing these speakers "
            + ("closes little of the deep voices' gap to the oracle." if gains["deep_gain_max_db"] < 0.5
               else "closes part of the deep voices' gap to the oracle."))
