"""The code behind helpers.py (`import helpers as H` re-exports every module below), by topic.

Shared:
  common.py            files written atomically, settings and paths (repo_path; output_dir: where a notebook
                       writes, build/outputs/<name> unless re-rendered), seeds, devices, progress bars, the
                       minibatch loop, figures, tables
  stats.py             Welch's interval for a difference of means, mean and standard error, interval verdicts
Problems 1-2 (speech denoising), each module importing only those above it:
  audio.py             wav I/O, STFT and eq. (1), SNR (eq. 2), the course's speech files and test pairs
                       (loading, checking), the validation split, the oracle, SI-SDR / PESQ / STOI
  voices.py            voice augmentation: pitch and formant shifts, EQ, VoiceMixer (fresh training frames),
                       rate-shifted noise, shifted validation pairs                       <- audio
  denoiser.py          MaskDenoiser, its fully-connected and 1D-CNN bodies, fit_denoiser, denoise  <- audio
  synthetic_speech.py  the synthetic stand-in for the course's speech files           <- audio
  speech_report.py     score / comparison / seed / ablation tables, audio players, plots  <- audio
  dev_voices.py        labels and summaries of the development voices (data/dev_voices.csv)  <- audio
  dev_pairs.py         the development pairs built from their source recordings
  speech_run.py        the pipeline notebooks 01 and 02 share (speech_run_data: every file read and checked
                       before training; ... finish_speech_run) and new test pairs from a recording
                       (make_test_pair_files)   <- audio, voices, denoiser, synthetic_speech, dev_voices
Problems 3-4 (CIFAR-10):
  cifar.py             data, the homework's transforms, its CNN, classifier training
  cifar_report.py      figures of training runs (accuracy curves, training vs. validation, image grids),
                       seconds per epoch
  pretext.py           Problem 4's fine-tuning recipes, seeds and linear probes         <- cifar
  transfer.py          Problem 4's regularised recipes (frozen layers, per-group LRs, AdamW, dropout, augmentation;
                       many seeds / folds as one network), k-fold CV of their settings  <- cifar, pretext, stats
  transfer_report.py   recipes in words, Welch intervals between recipes and their verdicts, the comparison
                       and cross-validation tables                                      <- pretext, stats, transfer
"""
