"""Problem 4's fine-tuning step, three ways, in one run: what a faster multi-seed loop can gain on this machine.

    python benchmarks/finetune_loop.py [--steps 200] [--seeds 3] [--threads 1]

Every fine-tuning run of notebook 04 is 10,000 full-batch Adam steps of the homework's CNN on 500
images (random images here: the cost does not depend on pixel values). Timed per model-step:

* general: the generic minibatch loop (H.fit_classifier) with one batch of 500: a randperm, a gather of
  the batch and bookkeeping every step;
* full batch: H.fit_full_batch, one step on the resident tensors, no shuffling, loss read only at
  evaluations;
* stacked: the seeds of one recipe trained together as ONE network (H.fit_stacked: conv1 with 10 x seeds
  output maps on the shared input, conv2 as a grouped convolution, batched matrix products for fc1/fc2),
  with one Adam over the stacked weights: elementwise, so it equals one Adam per seed. Notebook 04 uses it.

It also checks that the three agree: after `--steps` steps, the largest weight difference between the
general and the full-batch loop (same seed), and between the stacked network and the seeds trained one
by one. Results go to outputs/benchmark/finetune_loop.json.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import helpers as H  # noqa: E402

N = 500


def fresh(seed: int) -> tuple[H.BaselineCNN, torch.optim.Adam]:
    """The from-scratch recipe's network and optimiser for `seed`."""
    return H.make_finetune_model(H.Recipe("scratch", (), 0.0, 1e-3), None, seed, torch.device("cpu"))


def max_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    """Largest absolute difference between two sets of weights with the same names."""
    return max((a[k].detach() - b[k].detach()).abs().max().item() for k in a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(0)
    X = (torch.rand(N, 3, 32, 32, generator=g) * 2 - 1).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (N,), generator=g)
    X_test, y_test = X[:100], y[:100]
    seeds = list(range(args.seeds))

    warm, opt = fresh(99)  # warm-up: first calls pay for allocation and kernel selection
    H.fit_full_batch(warm, opt, X, y, 5, 5, X_test, y_test, desc="warm-up")
    times, weights = {}, {}
    start = time.perf_counter()
    for seed in seeds:
        model, opt = fresh(seed)
        H.fit_classifier(model, X, y, opt, args.steps, N, torch.Generator().manual_seed(seed), desc="general")
        weights[("general", seed)] = dict(model.named_parameters())
    times["general"] = (time.perf_counter() - start) / (args.steps * len(seeds))

    start = time.perf_counter()
    for seed in seeds:
        model, opt = fresh(seed)
        H.fit_full_batch(model, opt, X, y, args.steps, args.steps, X_test, y_test, desc="full batch")
        weights[("full", seed)] = dict(model.named_parameters())
    times["full_batch"] = (time.perf_counter() - start) / (args.steps * len(seeds))

    start = time.perf_counter()
    stacked, _ = H.fit_stacked(H.Recipe("scratch", (), 0.0, 1e-3), None, tuple(seeds), X, y, args.steps, args.steps,
                               X_test, y_test, desc="stacked")
    times["stacked"] = (time.perf_counter() - start) / (args.steps * len(seeds))

    result = {
        "device": f"cpu ({torch.get_num_threads()} threads)", "torch": torch.__version__, "steps": args.steps,
        "seeds": len(seeds), "images": N,
        "seconds_per_model_step": times,
        "seconds_per_10000_step_run": {k: v * 10_000 for k, v in times.items()},
        "speedup_full_batch_vs_general": times["general"] / times["full_batch"],
        "speedup_stacked_vs_full_batch": times["full_batch"] / times["stacked"],
        "max_weight_difference_full_batch_vs_general": max(
            max_difference(weights[("full", s)], weights[("general", s)]) for s in seeds),
        "max_weight_difference_stacked_vs_one_by_one": max(
            max_difference(stacked.unstacked(i), weights[("full", s)]) for i, s in enumerate(seeds)),
    }
    H.save_json(ROOT / "outputs" / "benchmark" / "finetune_loop.json", result)
    for k, v in result.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
