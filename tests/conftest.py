"""Shared fixtures: small synthetic data sets made once per session (pyproject.toml puts the repository on sys.path)."""
from pathlib import Path

import pytest

import helpers as H

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory):
    """A folder with the synthetic speech stand-in under the course's file names (30 s of training)."""
    return H.write_synthetic_speech_data(tmp_path_factory.mktemp("speech"), train_seconds=30, test_seconds=5)
