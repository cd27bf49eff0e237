"""Shared code for the homework-2 notebooks, imported by each of them as `import helpers as H`.

The functions live by topic in the package hw2/ and are all re-exported here, so a notebook (or a
reader) needs only this one name:

* hw2/common.py: files written atomically, notebook settings and paths, seeds, devices, progress bars,
  the shuffled-minibatch loop shared by every network, saving figures;
* hw2/speech.py: Problems 1-2 (audio, STFT, SNR, the training set, the mask denoiser, synthetic speech);
* hw2/cifar.py: Problems 3-4 (CIFAR-10, the homework's transforms, its CNN, classifier training);
* hw2/pretext.py: Problem 4's fine-tuning recipes, seeds and linear probes.

The notation (s, x, S, X, ...) is written down in CONTRIBUTING.md.
"""
from hw2.cifar import *
from hw2.common import *
from hw2.dev_voices import *
from hw2.pretext import *
from hw2.speech import *
