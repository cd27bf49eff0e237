"""Problems 1-2, the networks and their training: the mask denoiser, its fully-connected and 1D-CNN bodies,
fit_denoiser (with the checkpoint rule and weight averaging) and denoise."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from hw2.audio import magnitude, reconstruct, stft
from hw2.common import progress, train_epoch


def cpu_bf16_supported() -> bool:
    """Whether this CPU runs bfloat16 matrix products in hardware-backed kernels (oneDNN's check; AVX-512 or newer)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


class MaskDenoiser(nn.Module):
    """Wrap a network into a nonnegative magnitude estimator: sigmoid mask x noisy magnitude.

    The body sees standardised log-magnitudes (compressed input) and returns 513 mask logits; the
    sigmoid (the last activation) keeps the mask in [0, 1], so the output |S_hat| = mask * |X| is a
    nonnegative magnitude, as the homework requires.
    """

    def __init__(self, body: nn.Module, log_mean: torch.Tensor, log_std: torch.Tensor, max_mask: float = 1.0,
                 band_drop: int = 0, frame_norm: bool = False, cpu_bf16: bool = False):
        super().__init__()
        # on a CPU that supports it, the body's matrix products run in bfloat16 (weights and the rest: float32)
        self.cpu_bf16 = cpu_bf16 and cpu_bf16_supported()
        self.body, self.max_mask = body, max_mask  # max_mask > 1 lets the mask undo destructive interference
        self.band_drop = band_drop  # training only: each input column loses a random band of up to this many bins
        self.frame_norm = frame_norm  # each column moved to the training mean level: blind to the input level
        self.register_buffer("log_mean", torch.as_tensor(log_mean, dtype=torch.float32))
        self.register_buffer("log_std", torch.as_tensor(log_std, dtype=torch.float32))

    def forward(self, noisy_mag: torch.Tensor) -> torch.Tensor:
        logs = torch.log(noisy_mag + 1e-4)
        if self.frame_norm:  # every column moved to the training frames' mean level
            logs = logs - logs.mean(1, keepdim=True) + self.log_mean.mean()
        z = (logs - self.log_mean) / self.log_std
        if self.training and self.band_drop:
            z = drop_random_bands(z, self.band_drop)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.cpu_bf16 and z.device.type == "cpu"):
            logits = self.body(z)
        return self.max_mask * torch.sigmoid(logits.float()) * noisy_mag  # x 1.0 is exact: the default is a plain mask


def drop_random_bands(z: torch.Tensor, max_width: int) -> torch.Tensor:
    """`z` (rows x bins) with one random band of 0 to `max_width` bins per row set to 0 (the training mean): the
    network must infer a band from the rest of the spectrum (frequency masking, as SpecAugment's)."""
    n = z.shape[1]
    start = torch.randint(0, n, (len(z), 1), device=z.device)
    width = torch.randint(0, max_width + 1, (len(z), 1), device=z.device)
    bins = torch.arange(n, device=z.device)
    return z.masked_fill((bins >= start) & (bins < start + width), 0.0)


def log_stats(mag_frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-frequency mean and std of log-magnitudes (frames x 513), for MaskDenoiser."""
    logs = torch.log(mag_frames + 1e-4)
    return logs.mean(0), logs.std(0).clamp_min(1e-3)


ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "gelu": nn.GELU}


def fully_connected(hidden: int = 1024, n_hidden: int = 2, dropout: float = 0.0, n_freq: int = 513,
                    activation: str = "relu", layer_norm: bool = False) -> nn.Sequential:
    """Problem 1's body: 513 -> n_hidden x (Linear, [LayerNorm], activation, Dropout) -> 513 mask logits."""
    layers, width = [], n_freq
    for _ in range(n_hidden):
        norm = [nn.LayerNorm(hidden)] if layer_norm else []
        layers += [nn.Linear(width, hidden), *norm, ACTIVATIONS[activation](), nn.Dropout(dropout)]
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, n_freq))


class LocalPath(nn.Module):
    """A body plus a per-frequency linear path: logits = body(z) + gain * z, the gain (513 weights) starting at 0.

    The path hands every bin its own level as direct evidence beside what the body infers from the whole column.
    """

    def __init__(self, body: nn.Module, n_freq: int = 513):
        super().__init__()
        self.body, self.gain = body, nn.Parameter(torch.zeros(n_freq))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z) + self.gain * z


class FrequencyCNN(nn.Module):
    """Problem 2's body: [B, 513] -> [B, 1, 513] -> 1D convolutions along frequency (no padding) -> linear -> 513.

    With `head_hidden` > 0, `head_layers` hidden layers of that many units (and the activation) come before the
    linear layer; with `batch_norm` each convolution is followed by BatchNorm1d before its activation. `pools`
    max-pools of 2 follow the second and third convolutions (2: both, 1: the second's only, 0: none; 3: a
    second one after the third); `later_stride` is the stride of the second and third convolutions.
    """

    def __init__(self, channels: int = 16, kernel: int = 9, dropout: float = 0.0, n_freq: int = 513,
                 head_hidden: int = 0, activation: str = "relu", stride: int = 2, head_layers: int = 1,
                 batch_norm: bool = False, pools: int = 2, later_stride: int = 1):
        super().__init__()
        act = ACTIVATIONS[activation]

        def conv(c_in: int, stride_: int = 1) -> list[nn.Module]:
            norm = [nn.BatchNorm1d(channels)] if batch_norm else []
            return [nn.Conv1d(c_in, channels, kernel, stride=stride_), *norm, act()]

        def pool(k: int) -> list[nn.Module]:
            return [nn.MaxPool1d(2)] if pools >= k else []

        self.features = nn.Sequential(*conv(1, stride), *conv(channels, later_stride), *pool(1),
                                      *conv(channels, later_stride), *pool(2), *pool(3))
        with torch.no_grad():  # computed, not typed (in eval mode: BatchNorm's statistics stay untouched)
            flat = self.features.eval()(torch.zeros(1, 1, n_freq)).numel()
        self.features.train()
        widths = [flat] + [head_hidden] * (head_layers if head_hidden else 0)  # optional hidden FC layers
        hidden = [m for w_in, w_out in zip(widths, widths[1:]) for m in (nn.Linear(w_in, w_out), act())]
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), *hidden, nn.Linear(widths[-1], n_freq))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(z.unsqueeze(1)))


def layer_shapes(body: nn.Module, n_freq: int = 513) -> list[tuple[str, tuple[int, ...]]]:
    """(layer, output shape) for a batch of 4 spectra pushed through a FrequencyCNN body (in eval mode, no grad)."""
    was_training, z = body.training, torch.zeros(4, 1, n_freq)
    body.eval()
    rows = [("input [B, 1, 513]", tuple(z.shape))]
    for layer in [*body.features, *body.head]:
        with torch.no_grad():  # a shape probe: no graph, and (in eval mode) no BatchNorm statistics
            z = layer(z)
        if isinstance(layer, nn.Conv1d):
            name = (f"Conv1d {layer.in_channels}->{layer.out_channels}, D={layer.kernel_size[0]}, "
                    f"stride {layer.stride[0]}, padding {layer.padding[0]}")
        elif isinstance(layer, nn.Linear):
            name = f"Linear {layer.in_features}->{layer.out_features}"
        elif isinstance(layer, nn.MaxPool1d):
            name = f"MaxPool1d {layer.kernel_size}"
        else:
            name = type(layer).__name__
        rows.append((name, tuple(z.shape)))
    body.train(was_training)
    return rows


class WeightAverage:
    """Exponential moving average of a model's weights, kept in a copy of the model (`.module`).

    Update n (n = 0, 1, ...) moves the average towards the live weights by 1 - min(decay, (1 + n) / (10 + n)):
    the warm-up lets it forget the random initial weights quickly. Buffers are copied, not averaged.
    """

    def __init__(self, model: nn.Module, decay: float):
        self.module, self.decay, self.updates = copy.deepcopy(model), decay, 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Move the average one step towards `model`'s current weights."""
        self.updates += 1
        weight = 1 - min(self.decay, self.updates / (9 + self.updates))
        for avg, live in zip(self.module.parameters(), model.parameters()):
            avg.lerp_(live, weight)
        for avg, live in zip(self.module.buffers(), model.buffers()):
            avg.copy_(live)


def kept_epoch(scores: list[float], tolerance: float = 0.0) -> int:
    """Index of the epoch a checkpoint rule keeps: the latest whose score is within `tolerance` of the best.

    With `tolerance` 0 that is the first best epoch. A tolerance about twice the scores' own epoch-to-epoch
    noise prefers the longer-trained of the epochs the validation signal cannot tell apart.
    """
    best = max(scores)
    if tolerance <= 0:
        return scores.index(best)
    return max(i for i, score in enumerate(scores) if score >= best - tolerance)


def magnitude_loss(power: float = 1.0) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """MSE between the estimated and target magnitudes raised to `power` (1: plain MSE).

    A power below 1 compresses both (negative phase-sensitive targets count as 0), so an error in a quiet bin
    weighs more against the same relative error in a loud one: the loss looks at more of the spectrum than the
    loudest harmonics.
    """
    if power == 1:
        return F.mse_loss

    def loss(estimate: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss((estimate + 1e-4) ** power, (target.clamp_min(0) + 1e-4) ** power)

    return loss


@dataclass
class BestEpoch:
    """The checkpoint kept by fit_denoiser: its selection score, its epoch and its weights."""

    score: float
    epoch: int
    state: dict


def fit_denoiser(model: nn.Module, data: tuple[torch.Tensor, torch.Tensor] | Callable[[int], tuple],
                 evaluate: Callable[[nn.Module], dict[str, float]], epochs: int, batch_size: int, lr: float,
                 generator: torch.Generator, select: str = "select", desc: str = "training",
                 ema: float = 0.0, weight_decay: float = 0.0, tolerance: float = 0.0,
                 loss_power: float = 1.0) -> dict:
    """Adam on MSE to the target, one-cycle learning rate peaking at `lr`; `evaluate` after every epoch.

    `data` is a fixed (inputs, targets) pair or a function epoch -> (inputs, targets) giving fresh
    frames each epoch. `evaluate(model)` returns named scores; the weights of the epoch with the
    highest `select` score (a score's name, "mean" of all scores, or "last": the last epoch) are
    restored at the end; with `tolerance` > 0, the latest epoch whose score is within `tolerance` of the best
    so far (the epoch kept_epoch picks from all the scores). With `ema` > 0 the scored and kept weights are an
    exponential moving average of the trained weights with that decay per step (WeightAverage), not the weights.
    With `weight_decay` > 0 the optimiser is AdamW with that decoupled decay. With `loss_power` != 1 the MSE is
    between magnitudes raised to that power (magnitude_loss).
    """
    X, Y = data if isinstance(data, tuple) else data(1)
    optimizer = (torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay) if weight_decay
                 else torch.optim.Adam(model.parameters(), lr=lr))
    steps_per_epoch = -(-len(X) // batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=epochs * steps_per_epoch, pct_start=0.1)
    history = {"train_loss": [], "scores": {}, "select": select}
    best, top = BestEpoch(-float("inf"), 0, {}), -float("inf")
    average = WeightAverage(model, ema) if ema > 0 else None
    scored = average.module if average else model
    loss_fn = magnitude_loss(loss_power)
    bar = progress(range(1, epochs + 1), desc=desc)
    for epoch in bar:
        if epoch > 1 and not isinstance(data, tuple):
            X, Y = data(epoch)
        loss, _ = train_epoch(model, X, Y, loss_fn, optimizer, batch_size, generator, scheduler=scheduler,
                              after_step=(lambda: average.update(model)) if average else None)
        scores = evaluate(scored)
        history["train_loss"].append(loss)
        for name, value in scores.items():
            history["scores"].setdefault(name, []).append(value)
        score = epoch if select == "last" else np.mean(list(scores.values())) if select == "mean" else scores[select]
        improved, top = score > top, max(top, score)
        if improved or (tolerance > 0 and score >= top - tolerance):
            best = BestEpoch(float(score), epoch, copy.deepcopy(scored.state_dict()))
        bar.set_postfix(refresh=False, loss=f"{loss:.4f}", **{k: f"{v:.2f}" for k, v in scores.items()},
                        best=f"{best.score:.2f}@{best.epoch}")
    model.load_state_dict(best.state)
    history.update(best_score=best.score, best_epoch=best.epoch, top_score=float(top), tolerance=tolerance, ema=ema)
    return history


@torch.inference_mode()
def predict_magnitude(model: nn.Module, noisy_mag: np.ndarray, device: torch.device) -> np.ndarray:
    """Run a denoiser on a (513, frames) noisy magnitude; returns the (513, frames) estimate."""
    model.eval()
    frames = torch.as_tensor(noisy_mag.T, device=device)
    return model(frames).T.cpu().numpy()


def denoise(model: nn.Module, noisy: np.ndarray, device: torch.device) -> np.ndarray:
    """Noisy waveform -> denoised waveform of the same length (STFT, network, eq. (1), inverse STFT)."""
    X = stft(noisy)
    return reconstruct(X, predict_magnitude(model, magnitude(X), device), len(noisy))
