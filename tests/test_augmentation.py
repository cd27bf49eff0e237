"""Pixel scaling and the image transforms of Problems 3 and 4."""
import numpy as np
import torch

import helpers as H


def asymmetric_image():
    """A 1 x 32 x 32 x 3 image whose only bright pixel is in the top-left corner region (row 0, col 5)."""
    img = np.zeros((1, 32, 32, 3), np.float32)
    img[0, 0, 5] = 1.0
    return img


def test_scaling_round_trip():
    x = np.array([[0, 128, 255]], np.uint8)
    signed = H.unit_to_signed(H.to_unit(x))
    assert signed.min() == -1 and signed.max() == 1
    assert np.allclose(H.signed_to_unit(signed) * 255, x)


def test_brighten_clips_at_one():
    x = np.array([0.5, 0.95, 1.0], np.float32)
    assert np.allclose(H.brighten(x), [0.55, 1.0, 1.0])


def test_darken_scales_by_0_9():
    assert np.allclose(H.darken(np.array([1.0, 0.5])), [0.9, 0.45])


def test_mirror_is_left_right_not_upside_down():
    out = H.mirror(asymmetric_image())
    assert out[0, 0, 26].max() == 1.0 and out[0, 31, 5].max() == 0.0


def test_upside_down_flip_reverses_rows():
    out = H.flip_upside_down(asymmetric_image())
    assert out[0, 31, 5].max() == 1.0


def test_rotation_is_counter_clockwise():
    # Rotating 90 degrees counter-clockwise takes the top row to the left column, read bottom-up:
    # pixel (row 0, col 5) goes to (row 31 - 5, col 0).
    out = H.rotate_ccw(asymmetric_image())
    assert out[0, 26, 0].max() == 1.0
    assert torch.equal(H.rotate_ccw(torch.from_numpy(asymmetric_image())), torch.from_numpy(out.copy()))


def test_augmented_set_holds_four_versions_with_shared_labels():
    x, y = H.synthetic_cifar(6, seed=2)
    X, Y = H.augmented_training_set(H.to_unit(x), y)
    assert X.shape == (24, 3, 32, 32) and torch.equal(Y, torch.as_tensor(np.tile(y, 4)))
    original = H.images_to_tensor(H.unit_to_signed(H.to_unit(x)))
    assert torch.allclose(X[18:], original) and torch.allclose(X[12:18], torch.flip(original, dims=[3]))
    assert X.max() <= 1 and X.min() >= -1


def test_pretext_set_labels_original_flipped_rotated():
    x, _ = H.synthetic_cifar(5, seed=3)
    X, Y = H.pretext_training_set(H.to_unit(x))
    assert Y.tolist() == [0] * 5 + [1] * 5 + [2] * 5
    original = H.images_to_tensor(H.unit_to_signed(H.to_unit(x)))
    assert torch.allclose(X[5:10], torch.flip(original, dims=[2]))
