"""Issue 19: does the pretext task help once both arms are regularised alike? Settings by cross-validation, then
every recipe with 5 seeds, Welch intervals against the regularised scratch recipe.

    python benchmarks/pretext_transfer.py                  # everything: CV, then the comparison (see Time below)
    python benchmarks/pretext_transfer.py --stage cv       # only the cross-validation -> cv.json
    python benchmarks/pretext_transfer.py --stage compare  # the comparison, with the settings of an existing cv.json
    python benchmarks/pretext_transfer.py --measure        # time one step of each kind (< 1 min): the estimate below
    python benchmarks/pretext_transfer.py --quick          # seconds, synthetic data -> build/outputs/pretext_transfer

1. Settings without the test set. Each regularised arm (H.SCRATCH_REG: He init, every layer at 1e-3;
   H.TRANSFER_REG: conv1-2 from the pretext network and fine-tuned, fc1-2 new), both with a fresh mirror +
   brightness draw of the 500 labelled images every epoch, dropout before fc1 and AdamW weight decay, gets the
   same tuning budget: its 2 x 2 grid (H.CV_GRIDS) x the candidate lengths (H.CV_LENGTHS), scored by stratified
   5-fold cross-validation on the 500 alone (H.cross_validate, which is never given the test images).
2. The comparison: the homework's two recipes unchanged (10,000 epochs, shown first), the two chosen arms and
   the transfer variants (H.transfer_variants: conv1-2 frozen; conv1 only, frozen; conv1-2 frozen for half the
   epochs, then at 1e-4; each with the transfer arm's chosen regularisation, not re-tuned), 5 seeds each (one
   stacked network per recipe), test accuracy every 100 epochs.
3. Statistics: mean ± standard error over seeds of the final and the best checked test accuracy; every transfer
   recipe against the regularised scratch recipe (and the homework's transfer against the homework's scratch,
   and the regularised scratch against the homework's) as a difference with Welch's 95% interval and the verdict
   it allows (H.compare_runs, H.transfer_table).

Reads the labelled images (the last 500 of CIFAR-10's training batches, as notebook 04), the 10,000 test images
and the pretext network (--checkpoint, notebook 04's outputs/04_pretext/pretext_cnn.pt). Writes, atomically,
under outputs/pretext_transfer/: cv.json; comparison.json (rewritten after every recipe, so a stopped run keeps
what finished; 'complete' says whether every recipe did); timing.json from --measure.

Time. `--measure --threads 1` on the 2-core CPU (two other training jobs were running, which barely slows one
thread: the homework step below matches benchmarks/finetune_loop.py's idle 62 ms per model-step), 5 stacked
seeds, seconds per full-batch step: 0.67 on 1,000 images (500 + their mirrors, 'mirror_copies'), 0.34 on 500
images with a fresh draw per seed ('fresh', the default), 0.32 for the homework's recipes, 0.20 with conv1-2
frozen; a CV stack of 5 folds 0.35; one test evaluation (5 models, 10,000 images) 3.1. With 1 thread: CV 1.6 h
(2 arms x 4 points x 2,000 epochs), comparison 3.0 h (the homework's two recipes 1.9 h of it). Two threads on
an idle machine take about half as long (the committed notebook 04 ran its 3-seed steps in 0.49 x the 1-thread
time): CV about 47 min, comparison about 1.5 h (homework recipes 58 min, the five regularised ones 26-31 min),
about 2.3 h in all. With mirrored copies instead of fresh draws the five regularised recipes would take about
55 min instead. Measured afterwards at 2 threads on the idle machine (`--measure`, outputs/pretext_transfer/
timing.json): 0.23 s per homework step, 0.26 regularised (fresh draws), 0.44 on mirrored copies, 0.13 frozen,
0.24 per CV stack, 1.9 s per test evaluation; the script's upper-bound estimate: CV 1.1 h, the homework's two
recipes 1.4 h, the regularised ones 0.8 h, 3.3 h in all. Two threads are thus only about 1.3-1.5x faster than
one here, not 2x. Notebook 04 therefore reads the settings from cv.json and shows the variants from
comparison.json instead of rerunning them: its full render (pretext, the homework's two recipes and the two
chosen arms, 5 seeds each, probes) took 90.5 min at 2 threads.
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

ARMS = {"scratch_reg": H.SCRATCH_REG, "transfer_reg": H.TRANSFER_REG}
N_LABELLED = 500


def load_data(quick: bool, checkpoint: Path) -> dict:
    """The labelled images, the test images (tensors) and the pretext network's weights; synthetic when quick."""
    if quick:  # a synthetic stand-in and an untrained 'pretext' network: the numbers say nothing about CIFAR-10
        (x_lab, y_lab), (x_test, y_test) = H.synthetic_cifar(100, seed=0), H.synthetic_cifar(200, seed=1)
        torch.manual_seed(0)
        state, source = H.BaselineCNN(3).state_dict(), "synthetic stand-in, untrained pretext network"
    else:
        if not checkpoint.is_file():
            sys.exit(f"{checkpoint}: no pretext checkpoint. Run notebook 04 first, or pass --checkpoint PATH.")
        (x_all, y_all), (x_test, y_test), _ = H.load_cifar10(H.default_data_dir(), download_if_missing=False)
        x_lab, y_lab = x_all[-N_LABELLED:], y_all[-N_LABELLED:]
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
        source = f"CIFAR-10, the last {N_LABELLED} training images; pretext network {checkpoint.name}"

    def tensor(x):
        return H.images_to_tensor(H.unit_to_signed(H.to_unit(x)))

    return {"X": tensor(x_lab), "y": torch.as_tensor(y_lab), "X_test": tensor(x_test),
            "y_test": torch.as_tensor(y_test), "state": state, "source": source}


def run_cv(data: dict, folds: int, lengths: tuple[int, ...], out: Path, quick: bool) -> dict:
    """Stage 1: each arm's settings by stratified k-fold CV on the labelled images; cv.json."""
    if len({len(H.CV_GRIDS[arm]) for arm in ARMS}) != 1:
        raise ValueError(f"the arms' grids differ in size: {[len(H.CV_GRIDS[a]) for a in ARMS]} (unequal budgets)")
    result = {"quick": quick, "data": data["source"], "folds": folds, "lengths": list(lengths), "arms": {}}
    for arm, base in ARMS.items():
        cv = H.cross_validate(base, H.CV_GRIDS[arm], data["state"] if base.transferred else None, data["X"],
                              data["y"], folds=folds, lengths=lengths, seed=0, desc=f"CV {arm}")
        result["arms"][arm] = {**cv, "recipe": asdict(cv["recipe"])}
        print(f"{arm}: chosen {cv['chosen']} (CV accuracy {cv['chosen_cv_acc']:.4f}, {cv['wall_time_s'] / 60:.1f} min)")
        H.save_json(out / "cv.json", result)
    return result


def comparison_recipes(cv: dict, quick: bool) -> dict[str, H.Recipe]:
    """The recipes of stage 2, in the order shown: the homework's, the chosen arms, the transfer variants."""
    scratch, transfer = (H.recipe_from_dict(cv["arms"][arm]["recipe"]) for arm in ARMS)
    recipes = {"homework_scratch": H.HOMEWORK_SCRATCH, "homework_transfer": H.HOMEWORK_TRANSFER,
               "scratch_reg": scratch, "transfer_reg": transfer, **H.transfer_variants(transfer)}
    if quick:
        recipes["homework_scratch"] = replace(H.HOMEWORK_SCRATCH, epochs=6)
        recipes["homework_transfer"] = replace(H.HOMEWORK_TRANSFER, epochs=6)
    return recipes


def run_comparison(data: dict, cv: dict, seeds: tuple[int, ...], eval_every: int, out: Path, quick: bool,
                   only: set[str] | None) -> dict:
    """Stage 2: every recipe with every seed, the intervals and the table; comparison.json after every recipe."""
    recipes = comparison_recipes(cv, quick)
    names = [n for n in recipes if only is None or n in only]
    result = {"quick": quick, "data": data["source"], "seeds": list(seeds), "eval_every": eval_every,
              "cv_chosen": {arm: cv["arms"][arm]["chosen"] for arm in ARMS}, "runs": {}, "complete": False}
    for name in names:
        recipe = recipes[name]
        result["runs"][name] = H.run_seeds(name, recipe, data["state"] if recipe.transferred else None, seeds,
                                           data["X"], data["y"], data["X_test"], data["y_test"], eval_every)
        result["comparisons"] = H.compare_runs(result["runs"], H.comparison_pairs(list(result["runs"])))
        result["table_markdown"] = H.transfer_table(result["runs"], result["comparisons"])
        result["complete"] = name == names[-1]
        H.save_json(out / "comparison.json", result)
    print(result.get("table_markdown", ""))
    return result


def time_steps(recipes: list[H.Recipe], X: torch.Tensor, y: torch.Tensor, state: dict, steps: int) -> float:
    """Seconds per full-batch step of `recipes` trained as one stack (after a 2-step warm-up), evaluation excluded."""
    seeds = list(range(len(recipes)))
    H.fit_recipes([replace(r, epochs=2) for r in recipes], seeds, state, X, y, X[:10], y[:10], desc="warm-up")
    _, h = H.fit_recipes([replace(r, epochs=steps) for r in recipes], seeds, state, X, y, X[:10], y[:10], desc="timing")
    return h["wall_time_s"] / steps


def measure(out: Path, steps: int, seeds: int, folds: int) -> dict:
    """Time one step of each kind the full run takes (random images: the cost does not depend on them); the estimate."""
    g = torch.Generator().manual_seed(0)
    X = (torch.rand(N_LABELLED, 3, 32, 32, generator=g) * 2 - 1).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (N_LABELLED,), generator=g)
    torch.manual_seed(0)
    state = H.BaselineCNN(3).state_dict()
    k, points = seeds, len(H.CV_GRIDS["scratch_reg"])
    step = {
        "homework_500": time_steps([H.HOMEWORK_TRANSFER] * k, X, y, state, steps),
        "regularised_fresh_500": time_steps([H.TRANSFER_REG] * k, X, y, state, steps),
        "regularised_mirror_copies_1000": time_steps([replace(H.TRANSFER_REG, augment="mirror_copies")] * k, X, y,
                                                     state, steps),
        "frozen_conv_fresh_500": time_steps([H.transfer_variants(H.TRANSFER_REG)["frozen_conv"]] * k, X, y, state,
                                            steps),
        f"cv_{folds}_folds_fresh_500": time_steps([H.TRANSFER_REG] * folds, X, y, state, steps),
    }
    X_test = (torch.rand(10_000, 3, 32, 32, generator=g) * 2 - 1).contiguous(memory_format=torch.channels_last)
    y_test = torch.randint(0, 10, (10_000,), generator=g)
    stack = H.SeedStack([H.BaselineCNN(10) for _ in range(k)])
    H.stack_correct(stack, X_test[:1000], y_test[:1000])
    start = time.perf_counter()
    H.stack_correct(stack, X_test, y_test)
    evaluation = time.perf_counter() - start
    longest, reg = max(H.CV_LENGTHS), len(H.transfer_variants(H.TRANSFER_REG)) + 2  # the regularised recipes
    evals = {"homework": 10_000 // 100 * evaluation, "regularised": longest // 100 * evaluation}
    hours = {
        "cv": 2 * points * step[f"cv_{folds}_folds_fresh_500"] * longest / 3600,  # 2 arms, a stack per point
        "homework_recipes": 2 * (10_000 * step["homework_500"] + evals["homework"]) / 3600,
        "regularised_recipes": reg * (longest * step["regularised_fresh_500"] + evals["regularised"]) / 3600,
    }
    hours["total"] = sum(hours.values())
    result = {"device": f"cpu ({torch.get_num_threads()} threads)", "torch": torch.__version__, "seeds": k,
              "steps_timed": steps, "seconds_per_step": step, "seconds_per_test_evaluation": evaluation,
              "estimated_hours (longest CV length, frozen recipes at full cost: upper bounds)": hours}
    H.save_json(out / "timing.json", result)
    for key, value in result.items():
        print(f"{key}: {value}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", choices=("all", "cv", "compare"), default="all")
    parser.add_argument("--quick", action="store_true", help="seconds, on a synthetic stand-in")
    parser.add_argument("--measure", action="store_true", help="time one step of each kind and estimate the run")
    parser.add_argument("--steps", type=int, default=5, help="steps timed per kind by --measure")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--only", help="comma-separated recipe names for --stage compare (default: all)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    parser.add_argument("--checkpoint", default="outputs/04_pretext/pretext_cnn.pt")
    parser.add_argument("--out", default=None, help="default outputs/pretext_transfer (quick: build/outputs/...)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    default_out = H.build_dir() / "outputs" / "pretext_transfer" if args.quick else "outputs/pretext_transfer"
    out = H.repo_path(args.out, default_out)
    if args.measure:
        measure(out, args.steps, args.seeds, args.folds)
        return
    seeds = tuple(range(min(args.seeds, 2) if args.quick else args.seeds))
    folds, lengths = (2, (2, 4)) if args.quick else (args.folds, H.CV_LENGTHS)
    eval_every = 2 if args.quick else args.eval_every
    data = load_data(args.quick, H.repo_path(args.checkpoint, "outputs/04_pretext/pretext_cnn.pt"))
    if args.stage == "compare":
        if not (out / "cv.json").is_file():
            sys.exit(f"{out / 'cv.json'}: missing. Run --stage cv (or all) first.")
        cv = json.loads((out / "cv.json").read_text())
    else:
        cv = run_cv(data, folds, lengths, out, args.quick)
    if args.stage != "cv":
        only = set(args.only.split(",")) if args.only else None
        run_comparison(data, cv, seeds, eval_every, out, args.quick, only)


if __name__ == "__main__":
    main()
