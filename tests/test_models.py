"""The homework's CNN, He initialisation, transfer, and the nonnegative speech denoiser."""
import math

import torch

import helpers as H


def test_baseline_cnn_layer_shapes_and_parameter_count():
    model = H.BaselineCNN(10)
    x = torch.zeros(2, 3, 32, 32)
    assert model.conv1(x).shape == (2, 10, 28, 28)
    assert model.conv2(torch.zeros(2, 10, 14, 14)).shape == (2, 10, 10, 10)
    assert model.fc1.in_features == 250 and model.fc1.out_features == 20
    assert model(x).shape == (2, 10)
    assert sum(p.numel() for p in model.parameters()) == 760 + 2510 + 5020 + 210


def test_he_init_scale():
    torch.manual_seed(0)
    layer = H.he_init_(torch.nn.Linear(2000, 1000))
    assert abs(layer.weight.std().item() - math.sqrt(2 / 2000)) < 0.002
    assert layer.bias.abs().max() == 0


def test_transfer_copies_all_but_the_last_layer():
    torch.manual_seed(0)
    pretext = H.BaselineCNN(3).state_dict()
    model = H.transfer_from_pretext(pretext, num_classes=10)
    for name, value in model.state_dict().items():
        if name.startswith("fc2."):
            assert value.shape[0] == 10
        else:
            assert torch.equal(value, pretext[name]), name


def test_conv_only_transfer_copies_exactly_the_convolutions_and_reinitialises_fc1_fc2():
    torch.manual_seed(0)
    pretext = H.BaselineCNN(3).state_dict()
    torch.manual_seed(1)
    model = H.transfer_from_pretext(pretext, num_classes=10, layers=("conv1", "conv2"))
    for name, value in model.state_dict().items():
        if name.startswith("conv"):
            assert torch.equal(value, pretext[name]), name
    assert not torch.equal(model.fc1.weight, pretext["fc1.weight"])
    assert model.fc1.bias.abs().sum() == 0 and model.fc2.weight.shape == (10, 20)  # fresh He init: zero biases


def test_transfer_optimizer_sets_both_learning_rates():
    model = H.BaselineCNN(10)
    opt = H.transfer_optimizer(model, lr_transferred=1e-5, lr_new=1e-3)
    lrs = {g["name"]: g["lr"] for g in opt.param_groups}
    head = {id(p) for p in opt.param_groups[1]["params"]}
    assert lrs == {"transferred": 1e-5, "new": 1e-3}
    assert head == {id(model.fc2.weight), id(model.fc2.bias)}
    assert sum(len(g["params"]) for g in opt.param_groups) == len(list(model.parameters()))


def test_mask_denoiser_outputs_nonnegative_magnitudes_bounded_by_the_input():
    torch.manual_seed(0)
    body = torch.nn.Linear(513, 513)
    mags = torch.rand(64, 513) * 10
    model = H.MaskDenoiser(body, *H.log_stats(mags))
    out = model(mags)
    assert (out >= 0).all() and (out <= mags).all()


def test_pooling_before_relu_equals_the_homeworks_order():
    torch.manual_seed(0)
    model = H.BaselineCNN(10)
    x = torch.randn(8, 3, 32, 32)
    F = torch.nn.functional
    h = F.max_pool2d(F.relu(model.conv1(x)), 2, 2)
    h = F.max_pool2d(F.relu(model.conv2(h)), 2, 2)
    reference = model.fc2(F.relu(model.fc1(h.flatten(1))))
    assert torch.equal(model(x), reference)


def test_layer_table_follows_the_network_forward_pass():
    model = H.BaselineCNN(10)
    rows = H.layer_table(model, torch.zeros(2, 3, 32, 32))
    assert [r["layer"] for r in rows] == ["conv1", "conv2", "fc1", "fc2"]
    # conv2 sees conv1's maps after the 2x2 pool, fc1 the flattened 10 x 5 x 5 maps after the second pool
    assert [(r["input"], r["output"]) for r in rows] == [((3, 32, 32), (10, 28, 28)), ((10, 14, 14), (10, 10, 10)),
                                                         ((250,), (20,)), ((20,), (10,))]
    assert sum(r["params"] for r in rows) == sum(p.numel() for p in model.parameters())


def test_magnitude_loss_is_plain_mse_at_power_one():
    estimate, target = torch.rand(8, 513), torch.rand(8, 513)
    assert torch.equal(H.magnitude_loss(1.0)(estimate, target), torch.nn.functional.mse_loss(estimate, target))


def test_compressed_magnitude_loss_weighs_a_quiet_bins_relative_error_more():
    loud, quiet = torch.tensor([[10.0]]), torch.tensor([[0.1]])
    plain, compressed = H.magnitude_loss(1.0), H.magnitude_loss(0.5)
    # the same 50 % under-estimate in a loud and in a quiet bin
    plain_ratio = plain(quiet * 0.5, quiet) / plain(loud * 0.5, loud)
    compressed_ratio = compressed(quiet * 0.5, quiet) / compressed(loud * 0.5, loud)
    assert plain_ratio < 1e-3 < compressed_ratio < 0.02  # 1e-4 against about 1e-2 (the square root of it)


def test_compressed_magnitude_loss_treats_negative_targets_as_silence():
    zero = torch.zeros(1, 4)
    assert H.magnitude_loss(0.5)(zero, torch.full((1, 4), -3.0)).item() == 0.0


def test_local_path_starts_as_its_body_and_learns_a_per_bin_gain():
    body = H.fully_connected(32, 2, n_freq=16)
    model = H.LocalPath(body, n_freq=16)
    z = torch.randn(8, 16)
    assert torch.equal(model(z), body(z))
    model(z).sum().backward()
    assert torch.allclose(model.gain.grad, z.sum(0))


def test_cnn_hidden_head_adds_one_layer_and_keeps_513_outputs():
    plain, hidden = H.FrequencyCNN(4), H.FrequencyCNN(4, head_hidden=64)
    linears = [m for m in hidden.head if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [64, 513]
    assert len(linears) == 1 + sum(isinstance(m, torch.nn.Linear) for m in plain.head)
    assert hidden(torch.randn(3, 513)).shape == (3, 513)


def test_layer_shapes_list_the_hidden_head_layer_before_the_output_layer():
    rows = H.layer_shapes(H.FrequencyCNN(4, 9, head_hidden=64))
    names = [name for name, _ in rows]
    flat = rows[names.index("Flatten")][1][1]
    assert rows[-3:] == [(f"Linear {flat}->64", (4, 64)), ("ReLU", (4, 64)), ("Linear 64->513", (4, 513))]


def test_cnn_head_layers_stack_hidden_layers_of_the_same_width():
    body = H.FrequencyCNN(4, head_hidden=32, head_layers=2)
    linears = [m for m in body.head if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears[1:]] == [(32, 32), (32, 513)]
    assert body(torch.randn(3, 513)).shape == (3, 513)


def test_cnn_batch_norm_follows_each_convolution_and_construction_leaves_its_statistics_alone():
    body = H.FrequencyCNN(4, batch_norm=True)
    kinds = [type(m).__name__ for m in body.features]
    assert [kinds[i + 1] for i, k in enumerate(kinds) if k == "Conv1d"] == ["BatchNorm1d"] * 3
    H.layer_shapes(body)
    norms = [m for m in body.features if isinstance(m, torch.nn.BatchNorm1d)]
    assert body.training and all(int(m.num_batches_tracked) == 0 for m in norms)


def test_cnn_stride_one_gives_the_homeworks_first_map_of_513_minus_d_plus_1():
    body = H.FrequencyCNN(4, 9, stride=1)
    assert H.layer_shapes(body)[1][1] == (4, 4, 513 - 9 + 1)
    assert body(torch.randn(3, 513)).shape == (3, 513)


def test_cnn_with_one_pool_keeps_twice_the_flattened_map():
    two, one = H.layer_shapes(H.FrequencyCNN(4, 9)), H.layer_shapes(H.FrequencyCNN(4, 9, pools=1))
    flat = {n: dict(rows)["Flatten"][1] for n, rows in (("two", two), ("one", one))}
    assert [name for name, _ in one].count("MaxPool1d 2") == 1 and flat["one"] == 2 * flat["two"]
    assert H.FrequencyCNN(4, 9, pools=1)(torch.randn(3, 513)).shape == (3, 513)


def test_cnn_with_three_pools_halves_the_last_map():
    two, three = H.layer_shapes(H.FrequencyCNN(4, 9)), H.layer_shapes(H.FrequencyCNN(4, 9, pools=3))
    assert three[-4][1] == (4, 4, two[-4][1][2] // 2)  # the map before Flatten: 4 kernels, half the positions


def test_cnn_strided_throughout_needs_no_pool_for_the_same_grid():
    rows = H.layer_shapes(H.FrequencyCNN(4, 9, pools=0, later_stride=2))
    assert not any(name.startswith("MaxPool") for name, _ in rows)
    assert [shape[2] for name, shape in rows if name.startswith("Conv1d")] == [253, 123, 58]


def test_fully_connected_uses_the_named_activation_and_optional_layer_norm():
    body = H.fully_connected(8, 2, n_freq=5, activation="silu", layer_norm=True)
    kinds = [type(m).__name__ for m in body]
    assert kinds.count("SiLU") == 2 and kinds.count("LayerNorm") == 2 and "ReLU" not in kinds
    assert body(torch.randn(3, 5)).shape == (3, 5)


def test_mask_denoiser_cpu_bf16_runs_the_body_in_bfloat16_and_returns_float32_close_to_float32():
    torch.manual_seed(0)
    body = H.fully_connected(32, 2, n_freq=513)
    full, low = H.MaskDenoiser(body, torch.zeros(513), torch.ones(513)), H.MaskDenoiser(
        body, torch.zeros(513), torch.ones(513), cpu_bf16=True)
    seen = []
    body[0].register_forward_hook(lambda module, args, out: seen.append(out.dtype))
    x = torch.rand(8, 513)
    reference, estimate = full(x), low(x)
    if not H.cpu_bf16_supported():  # such a CPU keeps float32 rather than emulate bfloat16 slowly
        assert seen == [torch.float32, torch.float32] and torch.equal(reference, estimate)
        return
    assert seen == [torch.float32, torch.bfloat16] and estimate.dtype == torch.float32
    assert not torch.equal(reference, estimate) and torch.allclose(reference, estimate, atol=1e-2)
