"""Ablation of the speech denoisers' training recipe (Problems 1-2), measured on the course data.

Each variant changes one thing from the default recipe and is trained once (seed 0). After every
epoch it is scored on the held-out tail of the training pair, on the tail's clean speech shifted up
an octave (formants moved as in the recipe's training voices) and remixed with the tail's noise (the
selection set, which needs no test pair), and on
the new-voice pairs test_12 (unseen noise) and test_11 (trained noise). The test pairs are only
reported, never used to pick a checkpoint: the kept epoch follows a rule over tail-only signals.

    python benchmarks/speech_ablation.py                      # every variant (about 3 min each)
    python benchmarks/speech_ablation.py --only dnn,cnn       # some; results merge into the JSON
    python benchmarks/speech_ablation.py --seeds 1,2 --only dnn-final,cnn-final --seed0-from-ablation \
        --out outputs/speech_ablation/seeds.json   # seed study; seed 0 is the ablation's own run

Writes outputs/speech_ablation/ablation.json (atomically, after each variant). The recipes and their variants live
in benchmarks/speech_recipes.py.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers as H  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from speech_recipes import DEFAULT_RULE, RULES, VARIANTS, Recipe  # noqa: E402

CACHE = ROOT / "build" / "speech_cache"


def load_data(data_dir: Path) -> dict:
    """Training split, the selection set and the new-voice test pairs, all as waveforms."""
    s, x, sr = H.load_training_pair(data_dir)
    split = H.split_validation(data_dir, s, x, sr)
    s_oct, x_oct = H.voice_augmented_pair(split["s_val"], split["x_val"], sr, 12)
    pairs = {"tail": (split["s_val"], split["x_val"]), "tail_octave": (s_oct, x_oct),
             "tail_bass": H.bass_heavy_pair(split["s_val"], split["x_val"], sr)}
    for pair_id, (x_path, s_path) in H.find_test_pairs(data_dir).items():
        if s_path is not None:
            pairs[f"test{pair_id}"] = (H.load_wav(s_path, sr)[0], H.load_wav(x_path, sr)[0])
    return {"sr": sr, "s_train": split["s_train"], "x_train": split["x_train"], "pairs": pairs}


def build_model(recipe: Recipe, X: torch.Tensor) -> H.MaskDenoiser:
    """The recipe's network inside the mask wrapper, normalised with the statistics of `X`."""
    if recipe.net == "dnn":
        body = H.fully_connected(recipe.hidden, recipe.layers, recipe.dropout, activation=recipe.activation,
                                 layer_norm=recipe.layer_norm)
    else:
        body = H.FrequencyCNN(recipe.channels, recipe.kernel, recipe.dropout, head_hidden=recipe.head_hidden,
                              activation=recipe.activation, stride=recipe.stride, head_layers=recipe.head_layers,
                              batch_norm=recipe.batch_norm, pools=recipe.pools,
                              later_stride=recipe.later_stride)
    body = H.LocalPath(body) if recipe.local_path else body
    log_mean, log_std = H.log_stats(X)
    if recipe.global_norm:  # one mean and one spread for every frequency instead of per-frequency statistics
        log_mean, log_std = torch.full_like(log_mean, log_mean.mean()), torch.full_like(log_std, log_std.mean())
    return H.MaskDenoiser(body, log_mean, log_std, max_mask=recipe.max_mask, band_drop=recipe.band_drop,
                         frame_norm=recipe.frame_norm, cpu_bf16=recipe.cpu_bf16)


def scoring_pairs(recipe: Recipe, data: dict) -> dict[str, tuple]:
    """name -> (s, x) scored after every epoch: the validation signals (the octave-up copy with the recipe's formant
    fraction) and every test pair."""
    pairs = dict(data["pairs"])
    fraction = recipe.formant_fraction[0] if isinstance(recipe.formant_fraction, tuple) else recipe.formant_fraction
    if fraction != 1:  # the selection voice is made like the (first set of) training voices
        pairs["tail_octave"] = H.voice_augmented_pair(*pairs["tail"], data["sr"], 12, fraction)
    return pairs


def train(recipe: Recipe, data: dict, seed: int, states: list | None = None,
          extra_voices: list | None = None) -> dict:
    """Train one recipe; per-epoch SNR on every pair and the kept epoch under each rule.

    `states`: when given, every epoch's weights (state_dict copies) are appended to it, in order.
    `extra_voices`: clean waveforms added to the training voices as they are (benchmarks/matched_voices.py)."""
    generator = H.seed_everything(seed)
    sr, device = data["sr"], torch.device("cpu")
    pairs = scoring_pairs(recipe, data)
    fractions = recipe.formant_fraction if isinstance(recipe.formant_fraction, tuple) else (recipe.formant_fraction,)
    voices = [v for f in fractions for v in H.shifted_voices(data["s_train"], sr, recipe.semitones, cache_dir=CACHE,
                                                             formant_fraction=f, method=recipe.shift)]
    hops = H.shift_hops(recipe.semitones, recipe.speech_hop, recipe.shift) * len(fractions)
    if recipe.reverb:
        voices, hops = voices + H.reverberant_voices(voices, sr, seed=seed), hops * 2
    voices += list(extra_voices or [])
    hops += [recipe.speech_hop] * len(extra_voices or [])
    noise = H.rate_shifted_noise(data["x_train"] - data["s_train"], sr, recipe.noise_rates)
    mixer = H.VoiceMixer(voices, noise, sr, recipe.speech_db, recipe.noise_db,
                         recipe.eq_db, phase_sensitive=recipe.phase_sensitive, noise_eq_db=recipe.noise_eq_db,
                         noise_mix=recipe.noise_mix, noise_eq_bands=recipe.noise_eq_bands,
                         speech_hop=recipe.speech_hop, noise_hop=recipe.noise_hop, eq_bands=recipe.eq_bands,
                         low_eq_db=recipe.low_eq_db, tilt_db=recipe.tilt_db, warp=recipe.warp,
                         formant_warp=recipe.formant_warp, noise_split=recipe.noise_split,
                         presence_eq_db=recipe.presence_eq_db, high_eq_db=recipe.high_eq_db,
                         breath=recipe.breath, breath_db=recipe.breath_db, speech_hops=hops)
    mix_gen = torch.Generator().manual_seed(seed + 1000)
    fixed = mixer.frames(recipe.frames_per_epoch, mix_gen)
    frames = fixed if not recipe.fresh_frames else (
        lambda epoch: fixed if epoch == 1 else mixer.frames(recipe.frames_per_epoch, mix_gen))
    model = build_model(recipe, fixed[0])

    def evaluate(m):
        if states is not None:
            states.append({k: v.detach().clone() for k, v in m.state_dict().items()})
        return {k: H.snr(s, H.denoise(m, x, device)) for k, (s, x) in pairs.items()}

    start = time.perf_counter()
    hist = H.fit_denoiser(model, frames, evaluate, recipe.epochs, recipe.batch_size, recipe.lr, generator,
                          select="tail_octave", desc=f"{recipe.net} seed {seed}", ema=recipe.ema,
                          weight_decay=recipe.weight_decay, loss_power=recipe.loss_power)
    seconds = time.perf_counter() - start
    sc = hist["scores"]
    rules = {}
    for rule, score in RULES.items():
        i = max(range(recipe.epochs), key=lambda e: score(sc, e))
        rules[rule] = {"epoch": i + 1, **{f"{k}_snr_db": sc[k][i] for k in sc}}
        summary = H.voice_summary({k[4:]: {"snr_db": v[i]} for k, v in sc.items() if k.startswith("test")})
        rules[rule].update({k: summary[k] for k in ("mean_snr_db", "male_mean_snr_db", "female_mean_snr_db",
                                                     "worst_snr_db", "worst_pair") if k in summary})
    return {"seed": seed, "train_seconds": seconds, "scores_per_epoch": sc, "rules": rules}


def save(path: Path, results: dict) -> None:
    """Write the JSON with a flat `runs` table (one row per variant at its recipe's rule; other rules for -final)."""
    runs = []
    names = sorted(results["variants"], key=lambda n: (not n.endswith("-final"), n.split("-")[0] != "dnn"))
    for name in names:
        r = results["variants"][name]
        base = name.split("/")[0]  # a seed study's run: its variant's current description
        change = VARIANTS[base][1] if base in VARIANTS else r["change"]
        own = r["recipe"].get("checkpoint", DEFAULT_RULE)
        for rule in [own, *(q for q in r["rules"] if q != own and name.endswith("-final"))]:
            kept = r["rules"][rule]
            runs.append({"name": name if rule == own else f"{name}, checkpoint: {rule}",
                         "net": r["recipe"]["net"], "rule": rule, "train_seconds": r["train_seconds"],
                         "change": change if rule == own else f"the same run, epoch kept by the rule '{rule}'",
                         **{k: kept[k] for k in ("epoch", "tail_snr_db", "test12_snr_db", "test11_snr_db")},
                         "test12_last_epoch_snr_db": r["rules"]["last"]["test12_snr_db"]})
    results["runs"] = runs
    H.save_json(path, results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(VARIANTS), help="comma-separated variant names")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (several: a seed study)")
    parser.add_argument("--data-dir", default=str(H.default_data_dir()))
    parser.add_argument("--out", default=str(ROOT / "outputs" / "speech_ablation" / "ablation.json"))
    parser.add_argument("--seed0-from-ablation", action="store_true",
                        help="take each variant's seed-0 run from --seed0-file (same recipe), not train it again")
    parser.add_argument("--seed0-file", default=str(ROOT / "outputs" / "speech_ablation" / "ablation.json"),
                        help="where --seed0-from-ablation finds the seed-0 runs")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    seeds = [int(v) for v in args.seeds.split(",")]
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.is_file() else {}
    results.update(command="python benchmarks/speech_ablation.py", default_rule=DEFAULT_RULE,
                   threads=torch.get_num_threads(), torch=torch.__version__)
    results.setdefault("variants", {})
    if args.seed0_from_ablation:
        ablation = json.loads(Path(args.seed0_file).read_text())["variants"]
        for name in names:
            want = json.loads(json.dumps(asdict(VARIANTS[name][0])))
            for source, run in ablation.items():  # the same training under any name (the kept epoch's rule may differ)
                stored = {**asdict(Recipe()), **run.get("recipe", {})}  # fields added later: their defaults
                if {**stored, "checkpoint": None} == {**want, "checkpoint": None} and "/" not in source:
                    results["variants"][f"{name}/seed0"] = {**run, "recipe": want, "change": VARIANTS[name][1],
                                                            "copied_from": f"{Path(args.seed0_file).name}: {source}"}
                    break
    data = load_data(H.speech_data_or_error(Path(args.data_dir)))
    for name in names:
        recipe, change = VARIANTS[name]
        for seed in seeds:
            key = name if seeds == [0] else f"{name}/seed{seed}"  # one seed other than 0: part of a seed study
            r = train(recipe, data, seed)
            r.update(recipe=asdict(replace(recipe)), change=change)
            if out.is_file():  # another run may have written to the same file meanwhile: keep its variants
                results["variants"] = {**json.loads(out.read_text()).get("variants", {}), **results["variants"]}
            results["variants"][key] = r
            kept = r["rules"][recipe.checkpoint]
            print(f"{key}: epoch {kept['epoch']}, tail {kept['tail_snr_db']:.2f}, test12 {kept['test12_snr_db']:.2f}, "
                  f"test11 {kept['test11_snr_db']:.2f} dB, dev mean {kept.get('mean_snr_db', float('nan')):.2f}, "
                  f"male {kept.get('male_mean_snr_db', float('nan')):.2f}, "
                  f"worst {kept.get('worst_snr_db', float('nan')):.2f}"
                  f" ({r['train_seconds']:.0f} s)", flush=True)
            save(out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
