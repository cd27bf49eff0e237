"""The synthetic speech stand-in: deterministic, course-shaped and learnable."""
import numpy as np
import pytest
import torch

import helpers as H


def test_generator_is_deterministic():
    assert np.array_equal(H.synthetic_speech(1.0, seed=5), H.synthetic_speech(1.0, seed=5))
    assert np.array_equal(H.synthetic_chip_noise(1.0, seed=5), H.synthetic_chip_noise(1.0, seed=5))


def test_files_carry_the_course_names(speech_dir):
    names = {p.name for p in speech_dir.iterdir()}
    assert {"train_clean_male.wav", "train_dirty_male.wav", "test_x_01.wav", "test_s_01.wav", "test_x_02.wav"} <= names
    _, sr = H.load_wav(speech_dir / "train_clean_male.wav")
    assert sr == 16000


@pytest.fixture()
def one_thread():
    """One torch thread for a small network: on a busy 2-core machine two threads run ~10x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_short_training_on_mixed_frames_improves_validation_snr(speech_dir, one_thread):
    run = H.speech_run_data(speech_dir, quick=True)
    mixer = H.voice_mixer(run, (0,), (-6, 6), (-3, 9), 6.0, phase_sensitive=False)
    device = torch.device("cpu")
    frames = H.epoch_frames(mixer, 4000, 0, device)
    body = torch.nn.Sequential(torch.nn.Linear(513, 256), torch.nn.ReLU(), torch.nn.Linear(256, 513))
    model = H.MaskDenoiser(body, *H.log_stats(frames(1)[0]))
    before = H.snr(run["s_val"], run["x_val"])
    evaluate = H.snr_evaluator({"validation": (run["s_val"], run["x_val"])}, device)
    history = H.fit_denoiser(model, frames, evaluate, epochs=4, batch_size=64, lr=1e-3,
                             generator=H.seed_everything(0), select="validation")
    assert history["best_score"] > before + 3 and len(history["scores"]["validation"]) == 4
