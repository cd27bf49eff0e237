"""Voice augmentation: pitch shifts, the frame-level mixer, its EQ, and the kept checkpoint."""
import numpy as np
import pytest
import torch

import helpers as H

SR = 16000


def test_pitch_shift_keeps_the_duration_and_moves_the_pitch_up():
    t = np.arange(SR) / SR
    tone = (0.5 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    up = H.pitch_shift(tone, SR, 12)
    spectrum = np.abs(np.fft.rfft(up[2000:-2000]))
    assert len(up) == len(tone) and abs(np.argmax(spectrum) * SR / (len(up) - 4000) - 400) < 10


def test_resampled_pitch_shift_moves_the_pitch_and_shortens_the_voice():
    t = np.arange(SR) / SR
    up = H.pitch_shift((0.5 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), SR, 12, method="resample")
    assert len(up) == SR // 2 and abs(np.argmax(np.abs(np.fft.rfft(up))) * SR / len(up) - 400) < 5


def test_an_unknown_pitch_shift_method_is_named_in_the_error():
    with pytest.raises(ValueError, match="'psola'"):
        H.pitch_shift(np.zeros(SR, np.float32), SR, 3, method="psola")
    with pytest.raises(ValueError, match="'psola'"):
        H.shift_hops([3], 512, method="psola")


def _formant_voice(f0: float = 125, formant: float = 1000) -> np.ndarray:
    """One second of a harmonic comb on `f0` whose envelope peaks at `formant` (a one-formant voice)."""
    t = np.arange(SR) / SR
    voice = sum(np.exp(-(((k * f0 - formant) / 700) ** 2)) * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 60))
    return voice.astype(np.float32)


def test_resampled_voices_with_formants_kept_move_the_harmonics_not_the_envelope_peak():
    f0, formant = 125, 1000
    (up,) = H.shifted_voices(_formant_voice(f0, formant), SR, [12], formant_fraction=0.0, method="resample")
    power = np.abs(np.fft.rfft(up[1000:-1000])) ** 2
    freqs = np.fft.rfftfreq(len(up) - 2000, 1 / SR)
    near_harmonic = np.min(np.abs(freqs[:, None] - 2 * f0 * np.arange(1, 33)), axis=1) < 10
    assert len(up) == SR // 2 and power[near_harmonic].sum() > 0.95 * power.sum()  # a 250 Hz voice
    assert abs(freqs[np.argmax(power)] - formant) < 300  # whose envelope still peaks near 1 kHz, not 2 kHz


def test_shift_hops_give_every_resampled_voice_as_many_mixer_columns_as_the_original():
    s = H.synthetic_speech(1.0, SR, seed=1)
    shifts = [-4, 0, 7, 12]
    voices = H.shifted_voices(s, SR, shifts, method="resample")
    mixer = H.VoiceMixer(voices, s, SR, speech_hops=H.shift_hops(shifts, 512, "resample"))
    counts = [H.stft(v, h).shape[1] for v, h in zip(voices, H.shift_hops(shifts, 512, "resample"))]
    assert len(mixer.S) == sum(counts) and max(counts) - min(counts) <= 2
    assert H.shift_hops(shifts, 512) == [512] * 4  # the vocoder keeps every voice's duration
    with pytest.raises(ValueError, match="3 hops for 4 voices"):
        H.VoiceMixer(voices, s, SR, speech_hops=[512] * 3)


def test_formant_shift_moves_the_envelope_peak_but_keeps_the_harmonics():
    f0, formant = 125, 1000
    voice = _formant_voice(f0, formant)
    out = H.formant_shift(voice, voice, 12)  # formants up an octave, pitch unchanged
    power = np.abs(np.fft.rfft(out[2000:-2000])) ** 2
    freqs = np.fft.rfftfreq(SR - 4000, 1 / SR)
    near_harmonic = np.min(np.abs(freqs[:, None] - f0 * np.arange(1, 65)), axis=1) < 10
    assert abs(freqs[np.argmax(power)] - 2 * formant) <= f0
    assert power[near_harmonic].sum() > 0.97 * power.sum()  # still a 125 Hz voice
    assert np.isclose(np.sum(out.astype(np.float64) ** 2), np.sum(voice.astype(np.float64) ** 2), rtol=1e-3)


def test_voice_augmented_pair_with_formants_keeps_the_pairs_noise():
    s, n = H.synthetic_speech(1.0, SR, seed=2), H.synthetic_chip_noise(1.0, SR, seed=3)
    s_up, x_up = H.voice_augmented_pair(s, s + n, SR, 12, formant_fraction=0.25)
    s_plain, _ = H.voice_augmented_pair(s, s + n, SR, 12)
    assert np.allclose(x_up - s_up, n, atol=1e-6) and not np.allclose(s_up, s_plain, atol=1e-3)


def test_shifted_voices_are_cached(tmp_path):
    s = H.synthetic_speech(1.0, SR, seed=1)
    first = H.shifted_voices(s, SR, [3], cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npy"))) == 1
    assert np.array_equal(H.shifted_voices(s, SR, [3], cache_dir=tmp_path)[0], first[0])


def test_eq_basis_interpolates_a_constant_to_a_constant():
    assert torch.allclose(H.eq_basis(6, SR).sum(0), torch.ones(513))


def test_mixer_without_noise_or_augmentation_returns_the_clean_magnitude():
    s = H.synthetic_speech(1.0, SR, seed=2)
    mixer = H.VoiceMixer([s], np.zeros_like(s), SR, speech_db=(0, 0), noise_db=(0, 0), eq_db=0)
    X, T = mixer.frames(100, torch.Generator().manual_seed(0))
    assert X.shape == T.shape == (100, 513) and torch.allclose(X, T)


def test_mixer_input_is_the_magnitude_of_speech_plus_noise():
    s, n = H.synthetic_speech(1.0, SR, seed=2), H.synthetic_chip_noise(1.0, SR, seed=3)
    mixer = H.VoiceMixer([s], n, SR, speech_db=(0, 0), noise_db=(0, 0), eq_db=0)
    X, T = mixer.frames(50, torch.Generator().manual_seed(0), chunk=16)
    assert (X >= 0).all() and (T >= 0).all() and not torch.allclose(X, T)
    S, N = mixer.S.abs(), mixer.N.abs()
    assert (X <= S.max() + N.max() + 1e-4).all()  # triangle inequality on every bin


def test_phase_sensitive_target_is_never_above_the_clean_magnitude():
    s, n = H.synthetic_speech(1.0, SR, seed=2), H.synthetic_chip_noise(1.0, SR, seed=3)
    gen = torch.Generator().manual_seed(0)
    X, T = H.VoiceMixer([s], n, SR, eq_db=0, speech_db=(0, 0), phase_sensitive=True).frames(200, gen)
    _, T_mag = H.VoiceMixer([s], n, SR, eq_db=0, speech_db=(0, 0)).frames(200, torch.Generator().manual_seed(0))
    assert (T <= T_mag + 1e-5).all() and (T < 0).any()


@pytest.mark.parametrize("option", [{"noise_eq_db": 6.0}, {"noise_eq_db": 6.0, "noise_eq_bands": 12},
                                    {"noise_mix": 1.0}, {"noise_split": 1.0}])
def test_noise_augmentation_changes_the_inputs_but_not_the_clean_targets(option):
    s, n = H.synthetic_speech(1.0, SR, seed=2), H.synthetic_chip_noise(1.0, SR, seed=3)
    X, T = H.VoiceMixer([s], n, SR).frames(200, torch.Generator().manual_seed(0))
    X_aug, T_aug = H.VoiceMixer([s], n, SR, **option).frames(200, torch.Generator().manual_seed(0))
    assert torch.equal(T, T_aug) and not torch.allclose(X, X_aug)


def test_a_noise_split_takes_each_columns_upper_band_from_another_noise_frame():
    n = H.synthetic_chip_noise(1.0, SR, seed=3)
    mixer = H.VoiceMixer([np.zeros(SR, np.float32)], n, SR, speech_db=(0, 0), noise_db=(0, 0), eq_db=0.0,
                         noise_split=1.0)
    X, _ = mixer.frames(50, torch.Generator().manual_seed(0))
    frames = mixer.N.abs()
    lo, hi = mixer.split_bins

    def source(rows):  # the index of the noise frame each column's bins were taken from
        return ((X[:, None, rows] - frames[None, :, rows]).abs().sum(-1)).argmin(1)

    low, high = source(slice(0, lo)), source(slice(hi, None))
    assert (low != high).float().mean() > 0.8  # nearly every column: another frame above the split


def test_a_finer_hop_gives_the_mixer_more_distinct_windows_including_the_homeworks_own():
    s, n = H.synthetic_speech(1.0, SR, seed=2), H.synthetic_chip_noise(1.0, SR, seed=3)
    coarse = H.VoiceMixer([s], n, SR)
    fine = H.VoiceMixer([s], n, SR, speech_hop=128, noise_hop=64)
    assert len(fine.S) == SR // 128 + 1 and len(fine.N) == SR // 64 + 1 and len(coarse.N) == SR // 512 + 1
    assert torch.equal(fine.S[::4], coarse.S) and torch.equal(fine.N[::8], coarse.N)


def test_rate_shifted_noise_scales_frequencies_and_durations():
    tone = np.sin(2 * np.pi * 1000 * np.arange(SR) / SR).astype(np.float32)
    fast = H.rate_shifted_noise(tone, SR, (1.25,))
    peak_hz = np.argmax(np.abs(np.fft.rfft(fast))) * SR / len(fast)
    assert abs(len(fast) - SR / 1.25) <= 1 and abs(peak_hz - 1250) < 5
    assert len(H.rate_shifted_noise(tone, SR, (1.0, 1.25))) == SR + len(fast)


def test_fit_denoiser_restores_the_epoch_with_the_best_selection_score():
    torch.manual_seed(0)
    X = torch.rand(256, 513)
    model = H.MaskDenoiser(torch.nn.Linear(513, 513), *H.log_stats(X))
    scores = iter([1.0, 3.0, 2.0])
    kept = {}

    def evaluate(m):
        score = next(scores)
        kept[score] = {k: v.clone() for k, v in m.state_dict().items()}
        return {"select": score}

    hist = H.fit_denoiser(model, (X, X), evaluate, 3, 64, 1e-2, torch.Generator().manual_seed(0))
    assert hist["best_epoch"] == 2 and hist["scores"]["select"] == [1.0, 3.0, 2.0]
    assert all(torch.equal(v, kept[3.0][k]) for k, v in model.state_dict().items())


def test_kept_epoch_is_the_latest_within_the_tolerance_of_the_best():
    scores = [1.0, 3.0, 2.9, 2.5, 2.85, 2.7]
    assert H.kept_epoch(scores) == 1  # the best
    assert H.kept_epoch(scores, 0.2) == 4  # 2.85 >= 3.0 - 0.2; 2.7 is not
    assert H.kept_epoch([2.0, 2.0, 1.0]) == 0  # ties: the first


def test_fit_denoiser_with_a_tolerance_keeps_the_epoch_kept_epoch_picks():
    torch.manual_seed(0)
    X = torch.rand(256, 513)
    model = H.MaskDenoiser(torch.nn.Linear(513, 513), *H.log_stats(X))
    sequence = [1.0, 3.0, 2.5, 3.2, 2.95, 2.6]  # the best is epoch 4; epoch 5 is within 0.3 of it, epoch 6 is not
    scores = iter(sequence)
    kept = {}

    def evaluate(m):
        score = next(scores)
        kept[score] = {k: v.clone() for k, v in m.state_dict().items()}
        return {"select": score}

    hist = H.fit_denoiser(model, (X, X), evaluate, 6, 64, 1e-2, torch.Generator().manual_seed(0), tolerance=0.3)
    assert hist["best_epoch"] == H.kept_epoch(sequence, 0.3) + 1 == 5 and hist["top_score"] == 3.2
    assert all(torch.equal(v, kept[2.95][k]) for k, v in model.state_dict().items())


def test_weight_average_follows_the_exponential_moving_average():
    live = torch.nn.Linear(2, 1)
    average = H.WeightAverage(live, decay=0.5)
    expected = live.weight.detach().clone()
    for step in range(20):
        with torch.no_grad():
            live.weight.fill_(float(step))
        average.update(live)
        expected += (1 - min(0.5, (1 + step) / (10 + step))) * (live.weight.detach() - expected)
    assert torch.allclose(average.module.weight, expected) and not torch.allclose(average.module.weight, live.weight)


def test_fit_denoiser_with_ema_scores_and_keeps_the_averaged_weights():
    torch.manual_seed(0)
    X = torch.rand(256, 513)
    model = H.MaskDenoiser(torch.nn.Linear(513, 513), *H.log_stats(X))
    start = {k: v.clone() for k, v in model.state_dict().items()}
    seen = []

    def evaluate(m):
        seen.append(m)
        return {"select": 0.0}

    H.fit_denoiser(model, (X, X), evaluate, 2, 64, 1e-2, torch.Generator().manual_seed(0), select="last", ema=0.9)
    plain = H.MaskDenoiser(torch.nn.Linear(513, 513), *H.log_stats(X))
    plain.load_state_dict(start)
    H.fit_denoiser(plain, (X, X), evaluate, 2, 64, 1e-2, torch.Generator().manual_seed(0), select="last")
    assert seen[0] is not model and seen[0] is seen[1] and seen[2] is plain and seen[3] is plain
    assert not torch.allclose(model.body.weight, plain.body.weight)  # the kept weights are the average


def test_mask_ceiling_scales_the_largest_output_and_keeps_it_nonnegative():
    X = torch.rand(8, 513) + 0.1
    body = torch.nn.Linear(513, 513)
    torch.nn.init.zeros_(body.weight), torch.nn.init.constant_(body.bias, 50.0)  # sigmoid -> 1
    capped, doubled = H.MaskDenoiser(body, *H.log_stats(X)), H.MaskDenoiser(body, *H.log_stats(X), max_mask=2.0)
    assert torch.allclose(capped(X), X) and torch.allclose(doubled(X), 2 * X)
    assert (H.MaskDenoiser(torch.nn.Linear(513, 513), *H.log_stats(X), max_mask=2.0)(X) >= 0).all()


def test_fit_denoiser_weight_decay_shrinks_the_weights():
    torch.manual_seed(0)
    X = torch.rand(256, 513)
    norms = []
    for decay in (0.0, 20.0):
        torch.manual_seed(1)
        model = H.MaskDenoiser(torch.nn.Linear(513, 513), *H.log_stats(X))
        H.fit_denoiser(model, (X, X), lambda m: {"select": 0.0}, 3, 64, 1e-2, torch.Generator().manual_seed(0),
                       select="last", weight_decay=decay)
        norms.append(model.body.weight.norm().item())
    assert norms[1] < 0.9 * norms[0]


@pytest.mark.parametrize("kernel", [5, 9])
def test_frequency_cnn_uses_no_padding_and_returns_513_values(kernel):
    body = H.FrequencyCNN(4, kernel)
    assert all(layer.padding == (0,) for layer in body.features if isinstance(layer, torch.nn.Conv1d))
    assert body(torch.zeros(3, 513)).shape == (3, 513)
    assert H.layer_shapes(body)[1][1] == (4, 4, (513 - kernel) // 2 + 1)


def _tone_columns(f0: float, formant: float) -> torch.Tensor:
    """STFT columns (frames x 513) of a harmonic voice with one formant: 1 s at 16 kHz."""
    t = np.arange(SR) / SR
    voice = sum(np.exp(-(((k * f0 - formant) / 500) ** 2)) * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 60))
    return torch.as_tensor(H.stft(voice.astype(np.float32)).T.copy())


def test_frequency_warp_moves_harmonics_and_formants_by_the_factor():
    S = _tone_columns(125, 1000)
    up = H.warp_frequencies(S, torch.full((len(S),), 1.2))
    peak = lambda C: int(C.abs().mean(0).argmax())  # noqa: E731
    assert abs(peak(up) - 1.2 * peak(S)) <= 1
    assert torch.allclose(H.warp_frequencies(S, torch.ones(len(S))), S, atol=1e-5)


def test_formant_warp_moves_the_envelope_but_keeps_harmonics_and_phases():
    S = _tone_columns(125, 1000)
    out = H.warp_formants(S, torch.full((len(S),), 1.3))
    power, power_out = S.abs().mean(0) ** 2, out.abs().mean(0) ** 2
    assert abs(int(power_out.argmax()) - 1.3 * int(power.argmax())) <= 4  # the formant moved (to a harmonic: 4 bins)
    bins = torch.arange(len(power))
    near_harmonic = (bins - 8 * torch.round(bins / 8)).abs() <= 2  # 125 Hz = 8 bins; the window's main lobe
    assert power_out[near_harmonic].sum() > 0.97 * power_out.sum()  # still a 125 Hz voice
    strong = S.abs() > 0.1 * S.abs().max()
    assert torch.allclose(torch.angle(out[strong]), torch.angle(S[strong]), atol=1e-4)


@pytest.mark.parametrize("option", [{"warp": 0.1}, {"formant_warp": 0.15}])
def test_warps_change_the_speech_frames_and_leave_the_default_draws_alone(option):
    s, n = H.synthetic_speech(1.0, SR, seed=2), H.synthetic_chip_noise(1.0, SR, seed=3)
    X, T = H.VoiceMixer([s], n, SR).frames(200, torch.Generator().manual_seed(0))
    X_off, T_off = H.VoiceMixer([s], n, SR, warp=0.0).frames(200, torch.Generator().manual_seed(0))
    X_aug, T_aug = H.VoiceMixer([s], n, SR, **option).frames(200, torch.Generator().manual_seed(0))
    assert torch.equal(X, X_off) and torch.equal(T, T_off)
    assert not torch.allclose(T, T_aug)


def test_room_impulse_response_has_the_asked_direct_to_reverberant_ratio_and_decay():
    h = H.room_impulse_response(SR, rt60=0.4, drr_db=6.0, rng=np.random.default_rng(0))
    assert len(h) == int(0.4 * SR) and h[0] == 1.0
    assert np.isclose(10 * np.log10(1.0 / np.sum(h[1:].astype(np.float64) ** 2)), 6.0, atol=0.01)
    early, late = np.sum(h[SR // 100:SR // 20] ** 2), np.sum(h[-SR // 25:] ** 2)  # 10-50 ms vs the last 40 ms
    assert 10 * np.log10(early / late) > 40  # about 60 dB of decay between them (noise: a margin)


def test_reverberant_voices_keep_length_and_level_and_fill_the_silence_after_a_burst():
    burst = np.zeros(SR, np.float32)
    burst[:SR // 10] = np.random.default_rng(1).standard_normal(SR // 10)
    (wet,) = H.reverberant_voices([burst], SR, rt60=(0.5, 0.5), drr_db=(0.0, 0.0))
    assert len(wet) == SR and np.isclose(np.sum(wet.astype(np.float64) ** 2), np.sum(burst.astype(np.float64) ** 2))
    assert np.sum(wet[SR // 10 + 800:SR // 5] ** 2) > 1e-3 * np.sum(wet ** 2)  # the room rings on after 50 ms


def test_band_drop_blanks_one_band_per_input_in_training_only():
    torch.manual_seed(0)
    z = torch.randn(300, 513) + 5.0  # no value is 0 by chance
    dropped = H.drop_random_bands(z, 40)
    blank = dropped == 0
    widths = blank.sum(1)
    assert widths.max() <= 40 and widths.float().mean() > 10 and torch.equal(dropped[~blank], z[~blank])
    first, last = blank.float().argmax(1), 512 - blank.flip(1).float().argmax(1)
    assert ((last - first + 1)[widths > 0] == widths[widths > 0]).all()  # one contiguous band
    X = torch.rand(8, 513) + 0.1
    model = H.MaskDenoiser(torch.nn.Linear(513, 513), *H.log_stats(X), band_drop=80)
    assert torch.equal(model.eval()(X), model(X))  # inference sees the whole column


def test_frame_norm_makes_the_mask_blind_to_the_input_level():
    torch.manual_seed(0)
    X = torch.rand(8, 513) + 0.1
    model = H.MaskDenoiser(torch.nn.Linear(513, 513), *H.log_stats(X), frame_norm=True).eval()
    plain = H.MaskDenoiser(model.body, *H.log_stats(X)).eval()
    assert torch.allclose(model(4 * X), 4 * model(X), rtol=1e-3)  # same mask at 4x the level (log std > 0 per bin)
    assert not torch.allclose(plain(4 * X), 4 * plain(X), rtol=1e-3)


def test_presence_eq_widens_only_the_bands_centred_at_1_to_4_khz():
    s, n = H.synthetic_speech(1.0, SR, seed=2), H.synthetic_chip_noise(1.0, SR, seed=3)
    assert H.VoiceMixer([s], n, SR, eq_db=10.0).eq_ranges is None  # one range for every band: no per-band table
    ranges = H.VoiceMixer([s], n, SR, eq_db=10.0, presence_eq_db=15.0).eq_ranges
    centres = H.eq_centres(len(ranges), SR)
    assert all(r == (15.0 if 1000 <= c <= 4000 else 10.0) for r, c in zip(ranges.tolist(), centres))
    assert H.VoiceMixer([s], n, SR, eq_db=10.0, low_eq_db=20.0, presence_eq_db=15.0).eq_ranges[0] == 20.0


def test_high_eq_widens_only_the_highest_band():
    s, n = H.synthetic_speech(1.0, SR, seed=2), H.synthetic_chip_noise(1.0, SR, seed=3)
    ranges = H.VoiceMixer([s], n, SR, eq_db=10.0, low_eq_db=20.0, high_eq_db=25.0).eq_ranges.tolist()
    assert ranges == [20.0] + [10.0] * (len(ranges) - 2) + [25.0]


def test_breath_adds_speech_energy_above_1500_hz_only():
    s, n = H.synthetic_speech(1.0, SR, seed=2), H.synthetic_chip_noise(1.0, SR, seed=3)
    plain = H.VoiceMixer([s], n, SR, eq_db=0.0).frames(400, torch.Generator().manual_seed(5))[1]
    breathy = H.VoiceMixer([s], n, SR, eq_db=0.0, breath=1.0).frames(400, torch.Generator().manual_seed(5))[1]
    low, high = slice(0, 1500 * 1024 // SR), slice(3000 * 1024 // SR, None)
    assert torch.equal(breathy[:, low], plain[:, low])  # the same draws; nothing added below 1.5 kHz
    assert (breathy[:, high] ** 2).sum() > 1.1 * (plain[:, high] ** 2).sum()


def test_the_notebooks_voice_mixer_reads_the_training_voice_at_the_speech_hop_it_is_given():
    s, n = H.synthetic_speech(1.0, SR, seed=2), H.synthetic_chip_noise(1.0, SR, seed=3)
    run = {"s_train": s, "x_train": s + n, "sr": SR}
    coarse = H.voice_mixer(run, (0,), (-6, 6), (-9, 3), 6.0, phase_sensitive=True)
    fine = H.voice_mixer(run, (0,), (-6, 6), (-9, 3), 6.0, phase_sensitive=True, speech_hop=128)
    assert len(fine.S) == SR // 128 + 1 and len(coarse.S) == SR // 512 + 1
    assert torch.equal(fine.N, coarse.N)  # the noise keeps the STFT's hop
