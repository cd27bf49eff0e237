"""CIFAR-10 loading: the official pickle layout, download checks, safe extraction, clear errors."""
import io
import pickle
import tarfile

import numpy as np
import pytest

import helpers as H


def write_batch(path, data, labels):
    with open(path, "wb") as f:
        pickle.dump({b"batch_label": b"x", b"labels": list(labels), b"data": data, b"filenames": []}, f)


@pytest.fixture
def tiny_cifar(tmp_path):
    """A tiny CIFAR-10 folder in the official layout: 5 x 4 training rows, 3 test rows (random pixels)."""
    rng = np.random.default_rng(0)
    folder = tmp_path / H.CIFAR_FOLDER
    folder.mkdir()
    rows = {}
    for name, n in [*((f"data_batch_{i}", 4) for i in range(1, 6)), ("test_batch", 3)]:
        rows[name] = (rng.integers(0, 256, (n, 3072), dtype=np.uint8), rng.integers(0, 10, n))
        write_batch(folder / name, *rows[name])
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [c.encode() for c in H.CIFAR_CLASSES]}, f)
    return tmp_path, rows


def test_loader_turns_channel_major_rows_into_hwc_images(tiny_cifar):
    data_dir, rows = tiny_cifar
    (x, y), (xt, yt), names = H.load_cifar10(data_dir, download_if_missing=False, expected_counts=(20, 3))
    assert x.shape == (20, 32, 32, 3) and x.dtype == np.uint8 and xt.shape == (3, 32, 32, 3)
    raw, labels = rows["data_batch_2"]
    img = x[4]  # first image of batch 2
    for c in range(3):
        for r in (0, 7, 31):
            for col in (0, 13, 31):
                assert img[r, col, c] == raw[0, c * 1024 + r * 32 + col]
    assert y[4] == labels[0] and names == list(H.CIFAR_CLASSES)


def test_loader_checks_the_row_counts(tiny_cifar):
    with pytest.raises(ValueError, match="expected 50000"):
        H.load_cifar10(tiny_cifar[0], download_if_missing=False)


def test_truncated_batch_gives_an_error_naming_the_file(tiny_cifar):
    data_dir, _ = tiny_cifar
    batch = data_dir / H.CIFAR_FOLDER / "data_batch_3"
    batch.write_bytes(batch.read_bytes()[:500])
    with pytest.raises(ValueError, match="data_batch_3.*truncated"):
        H.load_cifar10(data_dir, download_if_missing=False, expected_counts=None)


def test_labels_outside_0_9_are_rejected(tiny_cifar):
    data_dir, rows = tiny_cifar
    write_batch(data_dir / H.CIFAR_FOLDER / "test_batch", rows["test_batch"][0], [0, 11, 2])
    with pytest.raises(ValueError, match="test_batch: labels outside"):
        H.load_cifar10(data_dir, download_if_missing=False, expected_counts=None)


def test_missing_folder_offline_names_the_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="cifar-10-python.tar.gz.*QUICK"):
        H.load_cifar10(tmp_path, download_if_missing=False)


def make_archive(path, folder_members):
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in folder_members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path


def test_download_extracts_when_the_md5_matches(tmp_path, tiny_cifar):
    src, _ = tiny_cifar
    members = {f"{H.CIFAR_FOLDER}/{p.name}": p.read_bytes() for p in (src / H.CIFAR_FOLDER).iterdir()}
    archive = make_archive(tmp_path / "src.tar.gz", members)
    dest = tmp_path / "data"
    folder = H.fetch_cifar10(dest, url=archive.as_uri(), md5=H.md5sum(archive))
    assert (folder / "data_batch_5").is_file()
    assert sorted(p.name for p in dest.iterdir()) == ["cifar-10-batches-py", "cifar-10-python.tar.gz"]


def test_download_with_wrong_md5_is_rejected_and_not_kept(tmp_path):
    archive = make_archive(tmp_path / "src.tar.gz", {f"{H.CIFAR_FOLDER}/data_batch_1": b"x"})
    dest = tmp_path / "data"
    with pytest.raises(ValueError, match="MD5"):
        H.fetch_cifar10(dest, url=archive.as_uri(), md5="0" * 32)
    assert list(dest.iterdir()) == []


def test_member_escaping_the_folder_is_rejected(tmp_path):
    archive = make_archive(tmp_path / "evil.tar.gz", {"../escaped.txt": b"gotcha", f"{H.CIFAR_FOLDER}/a": b"1"})
    dest = tmp_path / "data"
    dest.mkdir()
    with pytest.raises(ValueError, match="unsafe member"):
        H.safe_extract(archive, dest)
    assert not (tmp_path / "escaped.txt").exists() and list(dest.iterdir()) == []


def test_synthetic_stand_in_is_cifar_shaped():
    x, y = H.synthetic_cifar(50, seed=1)
    assert x.shape == (50, 32, 32, 3) and x.dtype == np.uint8 and set(y) <= set(range(10))


def test_every_missing_batch_is_named_at_once(tiny_cifar):
    data_dir, _ = tiny_cifar
    for name in ("data_batch_2", "test_batch"):
        (data_dir / H.CIFAR_FOLDER / name).unlink()
    with pytest.raises(FileNotFoundError, match="(?s)data_batch_2: missing.*test_batch: missing"):
        H.load_cifar10(data_dir, download_if_missing=False, expected_counts=None)
