"""Shared code for the homework-2 notebooks, imported by each of them as `import helpers as H`.

The functions live by topic in the package hw2/ and are all re-exported here, so a notebook (or a
reader) needs only this one name:

* hw2/common.py: files written atomically, notebook settings and paths, where a notebook writes
  (output_dir: build/outputs/<name> unless re-rendered), seeds, devices, progress bars, the
  shuffled-minibatch loop shared by every network, saving figures;
* Problems 1-2: hw2/audio.py (wav I/O, STFT and eq. 1, SNR, the course files and test pairs, quality
  measures), hw2/voices.py (voice augmentation, VoiceMixer), hw2/denoiser.py (the mask denoiser, its bodies,
  training), hw2/speech_report.py (tables, players, plots), hw2/speech_run.py (the pipeline notebooks 01/02
  share, new test pairs) and hw2/synthetic_speech.py (the synthetic stand-in); hw2/dev_voices.py (dev voices);
* hw2/cifar.py: Problems 3-4 (CIFAR-10, the homework's transforms, its CNN, classifier training);
  hw2/cifar_report.py: their figures (accuracy curves, training vs. validation, image grids);
* hw2/pretext.py: Problem 4's fine-tuning recipes, seeds and linear probes;
* hw2/transfer.py: Problem 4's regularised recipes (frozen layers, per-group learning rates, AdamW, dropout,
  augmentation), their settings chosen by k-fold cross-validation; hw2/transfer_report.py: the statistics
  of the comparison and its tables.

The notation (s, x, S, X, ...) is written down in CONTRIBUTING.md.
"""
from hw2.audio import *
from hw2.cifar import *
from hw2.cifar_report import *
from hw2.common import *
from hw2.denoiser import *
from hw2.dev_pairs import *
from hw2.dev_voices import *
from hw2.pretext import *
from hw2.speech_report import *
from hw2.speech_run import *
from hw2.stats import *
from hw2.synthetic_speech import *
from hw2.transfer import *
from hw2.transfer_report import *
from hw2.voices import *
