"""Problems 1-2, voice augmentation: pitch- and formant-shifted copies of the clean speech, mixed with noise
frame by frame (VoiceMixer), and the shifted validation pairs."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import torch

from hw2.audio import HOP_LENGTH, N_FFT, stft
from hw2.common import atomic_write_bytes, progress

SHIFT_METHODS = ("vocoder", "resample")


def pitch_shift(s: np.ndarray, sr: int, semitones: float, method: str = "vocoder") -> np.ndarray:
    """`s` shifted by `semitones`, pitch and formants together.

    "vocoder" keeps the duration (librosa's phase vocoder, then resampling); "resample" only resamples, so the
    duration changes by 2^(-semitones/12) and no time stretch smears the harmonics across neighbouring bins.
    """
    if method not in SHIFT_METHODS:
        raise ValueError(f"pitch shift method {method!r}: use one of {SHIFT_METHODS}")
    s = np.asarray(s, dtype=np.float32)
    if semitones == 0:
        return s
    import librosa

    if method == "resample":
        return librosa.resample(s, orig_sr=sr, target_sr=sr / 2 ** (semitones / 12), res_type="soxr_hq").astype(
            np.float32)
    return librosa.effects.pitch_shift(s, sr=sr, n_steps=float(semitones), res_type="soxr_hq").astype(np.float32)


def shift_hops(semitones: list[float] | tuple[float, ...], hop: int, method: str = "vocoder") -> list[int]:
    """The STFT hop for each shifted voice that gives it as many columns as the unshifted one: `hop` for the
    vocoder (same duration), hop x 2^(-semitones/12) for resampled voices (shorter when shifted up)."""
    if method not in SHIFT_METHODS:
        raise ValueError(f"pitch shift method {method!r}: use one of {SHIFT_METHODS}")
    if method == "vocoder":
        return [hop] * len(semitones)
    return [max(1, round(hop * 2 ** (-st / 12))) for st in semitones]


def _cepstral_smooth(log_mag: np.ndarray, lifter: int) -> np.ndarray:
    """Each column of `log_mag` with its cepstrum cut after `lifter` quefrencies."""
    cepstrum = np.fft.irfft(log_mag, axis=0)
    cepstrum[lifter:len(cepstrum) - lifter + 1] = 0
    return np.fft.rfft(cepstrum, axis=0).real


def log_envelope(mag: np.ndarray, lifter: int = 30, iterations: int = 8) -> np.ndarray:
    """Natural-log spectral envelope of each magnitude column, through the harmonic peaks ("true envelope").

    Cepstral smoothing of the log spectrum, repeated on max(log spectrum, envelope) so that the envelope
    rides on the harmonics instead of averaging them with the valleys between them (floor: -60 dB per column).
    """
    log_mag = np.log(np.maximum(mag, 1e-3 * mag.max(axis=0, keepdims=True)) + 1e-30)
    envelope = _cepstral_smooth(log_mag, lifter)
    for _ in range(iterations):
        envelope = _cepstral_smooth(np.maximum(log_mag, envelope), lifter)
    return envelope


def formant_shift(y: np.ndarray, reference: np.ndarray, semitones: float, lifter: int = 30,
                  max_db: float = 20.0) -> np.ndarray:
    """`y` with the spectral envelope of `reference` (same length) moved by `semitones`; y's pitch stays.

    Each STFT column of `y` is multiplied by E_ref(f / q) / E_y(f), q = 2^(semitones/12), where E is the
    cepstrally smoothed envelope (log_envelope), the gain limited to +-`max_db`. With y = pitch_shift(s, k)
    and reference = s, formants move by `semitones` while the pitch moves by k: a vocoder-free way to change
    them separately. The result keeps y's energy.
    """
    import librosa

    hop = N_FFT // 4
    Y = librosa.stft(np.asarray(y, np.float32), n_fft=N_FFT, hop_length=hop)
    R = librosa.stft(np.asarray(reference, np.float32), n_fft=N_FFT, hop_length=hop)
    env_ref, env_y = log_envelope(np.abs(R), lifter), log_envelope(np.abs(Y), lifter)
    pos = np.minimum(np.arange(len(R)) / 2 ** (semitones / 12), len(R) - 1)
    lo = np.floor(pos).astype(int)
    hi, frac = np.minimum(lo + 1, len(R) - 1), (pos - lo)[:, None]
    warped = env_ref[lo] * (1 - frac) + env_ref[hi] * frac
    limit = max_db / 20 * np.log(10)
    gain = np.exp(np.clip(warped - env_y, -limit, limit))
    out = librosa.istft(Y * gain, n_fft=N_FFT, hop_length=hop, length=len(y))
    scale = np.sqrt(np.sum(np.square(y, dtype=np.float64)) / max(np.sum(np.square(out, dtype=np.float64)), 1e-30))
    return (out * scale).astype(np.float32)


def shifted_voices(s: np.ndarray, sr: int, semitones: list[float] | tuple[float, ...],
                   cache_dir: str | Path | None = None, formant_fraction: float = 1.0,
                   method: str = "vocoder") -> list[np.ndarray]:
    """One pitch-shifted copy of `s` per entry of `semitones` (pitch_shift's `method`); cached as .npy in
    `cache_dir` when given.

    Pitch and formants move together (formant_fraction 1), or the formants move by only that fraction
    of each shift (formant_shift): a voice an octave up with formants a quarter of the way, like many female voices.
    A resampled voice is shorter or longer than `s`, so its own envelope, moved back, is the reference.
    """
    key = hashlib.sha1(np.ascontiguousarray(s, dtype=np.float32).tobytes()).hexdigest()[:12]
    tag = "" if method == "vocoder" else f"_{method}"
    voices = []
    for st in progress(list(semitones), desc="pitch shifts"):
        fmt = "" if formant_fraction == 1 or st == 0 else f"_formants{formant_fraction:g}"
        path = Path(cache_dir) / f"voice_{key}_{sr}_{float(st):+g}st{fmt}{tag}.npy" if cache_dir else None
        if path is not None and path.is_file():
            voices.append(np.load(path))
            continue
        shifted = pitch_shift(s, sr, st, method)
        if fmt and method == "vocoder":
            shifted = formant_shift(shifted, s, st * formant_fraction)
        elif fmt:  # the envelope of s at f / q^fraction is that of the shifted voice at f * q^(1 - fraction)
            shifted = formant_shift(shifted, shifted, -st * (1 - formant_fraction))
        voices.append(shifted)
        if path is not None:
            buf = io.BytesIO()
            np.save(buf, voices[-1])
            atomic_write_bytes(path, buf.getvalue())
    return voices


def room_impulse_response(sr: int, rt60: float, drr_db: float, rng: np.random.Generator) -> np.ndarray:
    """A synthetic room: a unit direct path, then exponentially decaying noise (60 dB in `rt60` s) from 2 ms on,
    scaled so that the direct path holds `drr_db` dB more energy than the tail."""
    t = np.arange(int(rt60 * sr)) / sr
    tail = rng.standard_normal(len(t)) * np.exp(-3 * np.log(10) * t / rt60) * (t >= 0.002)
    tail *= np.sqrt(10 ** (-drr_db / 10) / max(np.sum(tail ** 2), 1e-30))
    tail[0] = 1.0
    return tail.astype(np.float32)


def reverberant_voices(voices: list[np.ndarray], sr: int, rt60: tuple[float, float] = (0.15, 0.6),
                       drr_db: tuple[float, float] = (0.0, 12.0), seed: int = 0) -> list[np.ndarray]:
    """One copy of each voice in its own random synthetic room (room_impulse_response), keeping its RMS:
    recordings of read speech hold the room's reverberation, which the dry training voice lacks."""
    from scipy.signal import fftconvolve

    rng = np.random.default_rng(seed)
    out = []
    for v in voices:
        h = room_impulse_response(sr, rng.uniform(*rt60), rng.uniform(*drr_db), rng)
        wet = fftconvolve(v, h)[:len(v)]
        scale = np.sqrt(np.sum(np.square(v, dtype=np.float64)) / max(np.sum(np.square(wet, dtype=np.float64)), 1e-30))
        out.append((wet * scale).astype(np.float32))
    return out


def eq_centres(n_bands: int, sr: int) -> np.ndarray:
    """The random EQ's band centres in Hz: log-spaced from 100 Hz to sr/2."""
    return np.geomspace(100, sr / 2, n_bands)


def eq_basis(n_bands: int, sr: int, n_freq: int = N_FFT // 2 + 1) -> torch.Tensor:
    """(n_bands, n_freq) weights that interpolate band gains (at eq_centres) linearly over the bins."""
    freqs = np.linspace(0, sr / 2, n_freq)
    centres = eq_centres(n_bands, sr)
    log_f = np.log(np.maximum(freqs, 50.0))
    basis = np.stack([np.interp(log_f, np.log(centres), np.eye(n_bands)[b]) for b in range(n_bands)])
    return torch.as_tensor(basis, dtype=torch.float32)


class VoiceMixer:
    """Fresh training frames every epoch: a random speech frame of a random voice plus a random noise frame.

    The STFT is linear, so the column of a mixture g_s EQ S + g_n N is computed exactly from the columns
    of S and N; and since the network sees one column at a time, any speech frame may be paired with any
    noise frame. Each drawn frame gets a random speech level (`speech_db`), noise gain (`noise_db`) and a
    smooth random EQ of +-`eq_db` over `eq_bands` bands on the speech (+-`low_eq_db` in the lowest band when given:
    a random low shelf, since real voices hold far more or less energy below 200 Hz than the training voice;
    +-`presence_eq_db` in the bands centred at 1-4 kHz when given; +-`high_eq_db` in the highest band when given:
    a random high shelf, since real voices hold more or less sibilance than the training voice; and a
    random tilt of +-`tilt_db` dB per octave), and optionally one of +-`noise_eq_db`
    over `noise_eq_bands` bands on the noise and, with probability `noise_mix`, a second noise frame added at
    a random gain; with probability `noise_split` the noise above a random frequency (300 Hz to 6 kHz) comes from
    another noise frame. The target is the augmented |S|, or with `phase_sensitive`
    |S| cos(angle S - angle X) = Re(S conj(X)) / |X|. The speech and noise columns are taken every
    `speech_hop` / `noise_hop` samples: a hop below the homework's 512 gives more distinct windows to draw from;
    `speech_hops` gives each voice its own (shift_hops: as many columns from a resampled voice as from the original).
    With `warp` > 0 each speech column's frequency axis is stretched by a random factor in [1/(1+warp), 1+warp]
    (pitch and formants together, warp_frequencies); with `formant_warp` > 0 only its envelope is (warp_formants).
    With probability `breath` a speech column gets aspiration noise above 1.5 kHz (breath_noise), `breath_db` below
    its envelope: a breathier voice, whose noise-like high band is still speech.
    """

    def __init__(self, voices: list[np.ndarray], noise: np.ndarray, sr: int, speech_db: tuple[float, float] = (-6, 6),
                 noise_db: tuple[float, float] = (-3, 9), eq_db: float = 6.0, eq_bands: int = 6,
                 phase_sensitive: bool = False, noise_eq_db: float = 0.0, noise_mix: float = 0.0,
                 noise_eq_bands: int = 6, speech_hop: int = HOP_LENGTH, noise_hop: int = HOP_LENGTH,
                 low_eq_db: float | None = None, tilt_db: float = 0.0, warp: float = 0.0,
                 formant_warp: float = 0.0, noise_split: float = 0.0, presence_eq_db: float | None = None,
                 high_eq_db: float | None = None, breath: float = 0.0,
                 breath_db: tuple[float, float] = (-20.0, -6.0), speech_hops: list[int] | None = None):
        hops = speech_hops or [speech_hop] * len(voices)  # per voice (shift_hops), else one hop for all
        if len(hops) != len(voices):
            raise ValueError(f"speech_hops: {len(hops)} hops for {len(voices)} voices")
        self.S = torch.as_tensor(np.concatenate([stft(v, h) for v, h in zip(voices, hops)], axis=1).T.copy())
        self.N = torch.as_tensor(stft(noise, noise_hop).T.copy())
        self.speech_db, self.noise_db, self.eq_db = speech_db, noise_db, eq_db
        # the lowest band (0 Hz up to its neighbour's centre) may get its own, wider range: a random low shelf
        self.eq_ranges = None
        if (low_eq_db is not None and low_eq_db != eq_db) or presence_eq_db is not None or high_eq_db is not None:
            self.eq_ranges = torch.full((eq_bands,), float(eq_db))
            self.eq_ranges[0] = float(eq_db if low_eq_db is None else low_eq_db)
            if presence_eq_db is not None:  # the bands centred at 1-4 kHz (the presence region) get their own range
                centres = torch.as_tensor(eq_centres(eq_bands, sr))
                self.eq_ranges[(centres >= 1000) & (centres <= 4000)] = float(presence_eq_db)
            if high_eq_db is not None:  # the highest band (from its neighbour's centre up to sr/2): a high shelf
                self.eq_ranges[-1] = float(high_eq_db)
        self.tilt_db = tilt_db  # random spectral tilt of +-tilt_db dB per octave around 1 kHz
        freqs = np.maximum(np.linspace(0, sr / 2, N_FFT // 2 + 1), 50.0)
        self.octaves = torch.as_tensor(np.log2(freqs / 1000.0), dtype=torch.float32)
        self.noise_eq_db, self.noise_mix, self.noise_split = noise_eq_db, noise_mix, noise_split
        self.split_bins = (round(300 * N_FFT / sr), round(6000 * N_FFT / sr) + 1)  # where a noise split may fall
        self.noise_basis = eq_basis(noise_eq_bands, sr)
        self.basis = eq_basis(eq_bands, sr)
        self.phase_sensitive = phase_sensitive
        self.warp, self.formant_warp = warp, formant_warp
        # each column's log envelope, computed once, for the formant warp and the breath noise
        self.envelopes = column_envelopes(self.S) if formant_warp or breath else None
        self.breath, self.breath_db = breath, breath_db
        self.breath_weight = torch.as_tensor(np.clip(np.log2(freqs / 1500.0), 0.0, 1.0), dtype=torch.float32)

    def frames(self, n: int, generator: torch.Generator, chunk: int = 8192) -> tuple[torch.Tensor, torch.Tensor]:
        """`n` (noisy magnitude, target) pairs, each n x 513 float32, drawn with `generator`."""
        inputs, targets = [], []
        for lo in range(0, n, chunk):
            m = min(chunk, n - lo)
            i = torch.randint(len(self.S), (m,), generator=generator)
            j = torch.randint(len(self.N), (m,), generator=generator)
            gain_db = _uniform(m, self.speech_db, generator)[:, None]
            if self.eq_ranges is not None:
                bands = _uniform(m * len(self.basis), (-1.0, 1.0), generator).view(m, -1) * self.eq_ranges
                gain_db = gain_db + bands @ self.basis
            elif self.eq_db:
                bands = _uniform(m * len(self.basis), (-self.eq_db, self.eq_db), generator).view(m, -1)
                gain_db = gain_db + bands @ self.basis
            if self.tilt_db:
                gain_db = gain_db + _uniform(m, (-self.tilt_db, self.tilt_db), generator)[:, None] * self.octaves
            S = self.S[i]
            if self.formant_warp:  # before the frequency warp: the stored envelopes are those of the columns drawn
                S = warp_formants(S, _log_uniform(m, self.formant_warp, generator), self.envelopes[i])
            if self.warp:
                S = warp_frequencies(S, _log_uniform(m, self.warp, generator))
            if self.breath:
                use = (torch.rand(m, generator=generator) < self.breath)[:, None]
                gains = _uniform(m, self.breath_db, generator)
                S = S + use * breath_noise(self.envelopes[i], gains, self.breath_weight, generator)
            S = S * 10 ** (gain_db / 20)
            X = S + self._noise(j, generator) * 10 ** (_uniform(m, self.noise_db, generator)[:, None] / 20)
            mag = X.abs()
            inputs.append(mag)
            targets.append((S * X.conj()).real / mag.clamp_min(1e-12) if self.phase_sensitive else S.abs())
        return torch.cat(inputs), torch.cat(targets)

    def _noise(self, j: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Noise columns `j`, with the optional second-frame mixing, band split and noise EQ (no draws when off)."""
        N = self.N[j]
        m = len(j)
        if self.noise_mix:
            k = torch.randint(len(self.N), (m,), generator=generator)
            use = torch.rand(m, generator=generator) < self.noise_mix
            gain = 10 ** (_uniform(m, (-6.0, 0.0), generator) / 20) * use
            N = N + self.N[k] * gain[:, None]
        if self.noise_split:  # the column above a random bin taken from another frame: bands judged on their own
            k = torch.randint(len(self.N), (m,), generator=generator)
            cut = torch.randint(*self.split_bins, (m, 1), generator=generator)
            use = torch.rand(m, 1, generator=generator) < self.noise_split
            above = torch.arange(N.shape[1])[None, :] >= cut
            N = torch.where(above & use, self.N[k], N)
        if self.noise_eq_db:
            bands = _uniform(m * len(self.noise_basis), (-self.noise_eq_db, self.noise_eq_db), generator).view(m, -1)
            N = N * 10 ** (bands @ self.noise_basis / 20)
        return N


def rate_shifted_noise(noise: np.ndarray, sr: int, rates: tuple[float, ...]) -> np.ndarray:
    """`noise` played at each speed in `rates` (frequencies times the rate), concatenated."""
    import librosa

    return np.concatenate([noise if r == 1 else librosa.resample(np.asarray(noise, np.float32), orig_sr=round(sr * r),
                                                                   target_sr=sr, res_type="soxr_hq")
                           for r in rates]).astype(np.float32)


def _log_uniform(n: int, spread: float, generator: torch.Generator) -> torch.Tensor:
    """`n` factors drawn log-uniformly in [1/(1+spread), 1+spread]."""
    return torch.exp(_uniform(n, (-np.log1p(spread), np.log1p(spread)), generator))


def _stretch_rows(values: torch.Tensor, factors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each row of `values` (rows x bins) read at bin k / factor (linear interpolation, clamped to the last bin);
    also the source positions and whether each lies inside the row."""
    n = values.shape[1]
    pos = torch.arange(n, dtype=torch.float32)[None, :] / factors[:, None]
    inside = pos <= n - 1
    pos = pos.clamp(max=n - 1)
    lo = pos.floor().long()
    hi, frac = (lo + 1).clamp(max=n - 1), pos - lo
    return values.gather(1, lo) * (1 - frac) + values.gather(1, hi) * frac, pos, inside


def warp_frequencies(S: torch.Tensor, factors: torch.Tensor) -> torch.Tensor:
    """Complex columns (frames x bins) with bin k taken from bin k / factor: the magnitude interpolated linearly,
    the phase of the nearest bin; bins whose source lies above the last bin are zero (a factor > 1 raises the voice)."""
    mag, pos, inside = _stretch_rows(S.abs(), factors)
    return torch.polar(mag * inside, S.angle().gather(1, pos.round().long()))


def column_envelopes(S: torch.Tensor, lifter: int = 30, chunk: int = 8192) -> torch.Tensor:
    """log_envelope of each complex column (frames x bins), as a float32 tensor of the same shape."""
    parts = [log_envelope(S[lo:lo + chunk].abs().numpy().T, lifter).T for lo in range(0, len(S), chunk)]
    return torch.as_tensor(np.concatenate(parts), dtype=torch.float32) if parts else torch.empty(S.shape)


def warp_formants(S: torch.Tensor, factors: torch.Tensor, envelopes: torch.Tensor | None = None,
                  max_db: float = 20.0) -> torch.Tensor:
    """Complex columns with their envelope (column_envelopes, computed when not given) stretched by `factors`
    (one per column); harmonics and phases stay. The real gain E(k / factor) / E(k) is limited to +-`max_db`."""
    env = column_envelopes(S) if envelopes is None else envelopes
    warped, _, _ = _stretch_rows(env, factors)
    limit = max_db / 20 * np.log(10)
    return S * torch.exp((warped - env).clamp(-limit, limit))


def breath_noise(envelopes: torch.Tensor, gain_db: torch.Tensor, weight: torch.Tensor,
                 generator: torch.Generator) -> torch.Tensor:
    """Complex Gaussian noise (random phase) for columns with these natural-log envelopes: mean power
    (exp(envelope) x `weight` per bin x 10^(`gain_db`/20) per column)^2, aspiration shaped like the voice."""
    scale = envelopes.exp() * weight * 10 ** (gain_db[:, None] / 20) / np.sqrt(2)
    re, im = torch.randn(envelopes.shape, generator=generator), torch.randn(envelopes.shape, generator=generator)
    return torch.complex(re * scale, im * scale)


def _uniform(n: int, bounds: tuple[float, float], generator: torch.Generator) -> torch.Tensor:
    """`n` uniform draws in [lo, hi]."""
    lo, hi = bounds
    return lo + (hi - lo) * torch.rand(n, generator=generator)


def voice_augmented_pair(s: np.ndarray, x: np.ndarray, sr: int, semitones: float = 12.0,
                         formant_fraction: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(clean, noisy): the clean speech of a pair shifted by `semitones`, plus the pair's own noise x - s.

    The formants move with the pitch, or by `formant_fraction` of the shift (as shifted_voices makes them).
    """
    s_shift = pitch_shift(s, sr, semitones)
    if formant_fraction != 1:
        s_shift = formant_shift(s_shift, s, semitones * formant_fraction)
    return s_shift, s_shift + (x - s)


def low_shelf(s: np.ndarray, sr: int, gain_db: float, corner_hz: float = 150.0, top_hz: float = 400.0) -> np.ndarray:
    """`s` with `gain_db` added below `corner_hz`, fading (linearly in log frequency) to 0 dB at `top_hz`; RMS kept."""
    import librosa

    S = librosa.stft(np.asarray(s, np.float32), n_fft=N_FFT, hop_length=N_FFT // 4)
    f = np.maximum(np.linspace(0, sr / 2, len(S)), 1.0)
    ramp = np.clip(np.log(top_hz / f) / np.log(top_hz / corner_hz), 0.0, 1.0)
    out = librosa.istft(S * (10 ** (gain_db * ramp / 20))[:, None], n_fft=N_FFT, hop_length=N_FFT // 4, length=len(s))
    scale = np.sqrt(np.sum(np.square(s, dtype=np.float64)) / max(np.sum(np.square(out, dtype=np.float64)), 1e-30))
    return (out * scale).astype(np.float32)


def bass_heavy_pair(s: np.ndarray, x: np.ndarray, sr: int, gain_db: float = 14.0,
                    semitones: float = -2.0) -> tuple[np.ndarray, np.ndarray]:
    """(clean, noisy): a pair's clean speech made deeper (`semitones`) and bass-heavy (low_shelf), plus its own noise.

    A validation voice like a deep voice recorded close to the microphone (Prof. K's holds -9.9 dB of its energy
    below 150 Hz, the training voice -22.5 dB); the SNR stays the pair's, since the speech keeps its RMS.
    """
    s_deep = low_shelf(pitch_shift(s, sr, semitones), sr, gain_db)
    s_deep = s_deep * np.sqrt(np.sum(np.square(s, dtype=np.float64)) / np.sum(np.square(s_deep, dtype=np.float64)))
    return s_deep.astype(np.float32), (s_deep + (x - s)).astype(np.float32)
