"""Problem 4's fine-tuning step, three ways, in one run: what a faster multi-seed loop can gain on this machine.

    python benchmarks/finetune_loop.py [--steps 200] [--seeds 3] [--threads 1]

Every fine-tuning run of notebook 04 is 10,000 full-batch Adam steps of the homework's CNN on 500
images (random images here: the cost does not depend on pixel values). Timed per model-step:

* general: the generic minibatch loop (H.fit_classifier) with one batch of 500: a randperm, a gather of
  the batch and bookkeeping every step;
* full batch: H.fit_full_batch, one step on the resident tensors, no shuffling, loss read only at
  evaluations;
* stacked: the seeds of one recipe trained together as ONE network (conv1 with 10 x seeds output maps
  on the shared input, conv2 as a grouped convolution, batched matrix products for fc1/fc2), with one
  Adam over the stacked weights: elementwise, so it equals one Adam per seed.

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
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import helpers as H  # noqa: E402

N = 500


class StackedCNN(torch.nn.Module):
    """K BaselineCNNs evaluated as one network on a shared input; logits shaped K x N x classes."""

    def __init__(self, models: list[H.BaselineCNN]):
        super().__init__()
        self.k = len(models)
        def cat(name: str) -> torch.Tensor:
            return torch.cat([m.get_parameter(name).detach().clone() for m in models])

        self.w1, self.b1 = torch.nn.Parameter(cat("conv1.weight")), torch.nn.Parameter(cat("conv1.bias"))
        self.w2, self.b2 = torch.nn.Parameter(cat("conv2.weight")), torch.nn.Parameter(cat("conv2.bias"))
        self.f1 = torch.nn.Parameter(torch.stack([m.fc1.weight.detach().T for m in models]))
        self.g1 = torch.nn.Parameter(torch.stack([m.fc1.bias.detach()[None] for m in models]))
        self.f2 = torch.nn.Parameter(torch.stack([m.fc2.weight.detach().T for m in models]))
        self.g2 = torch.nn.Parameter(torch.stack([m.fc2.bias.detach()[None] for m in models]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(F.max_pool2d(F.conv2d(x, self.w1, self.b1), 2))
        h = F.relu(F.max_pool2d(F.conv2d(h, self.w2, self.b2, groups=self.k), 2))
        h = h.reshape(len(x), self.k, 250).transpose(0, 1)          # K x N x 250, each model's own maps
        return torch.baddbmm(self.g2, F.relu(torch.baddbmm(self.g1, h, self.f1)), self.f2)

    def unstacked(self, i: int) -> dict[str, torch.Tensor]:
        """Model i's weights under BaselineCNN's names."""
        s = slice(10 * i, 10 * (i + 1))
        return {"conv1.weight": self.w1[s], "conv1.bias": self.b1[s], "conv2.weight": self.w2[s],
                "conv2.bias": self.b2[s], "fc1.weight": self.f1[i].T, "fc1.bias": self.g1[i, 0],
                "fc2.weight": self.f2[i].T, "fc2.bias": self.g2[i, 0]}


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

    stacked = StackedCNN([fresh(seed)[0] for seed in seeds])
    opt = torch.optim.Adam(stacked.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(args.steps):
        logits = stacked(X)
        # the sum over models of each model's mean loss: every model gets exactly its own gradient
        loss = F.cross_entropy(logits.reshape(-1, 10), y.repeat(len(seeds)), reduction="sum") / N
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
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
