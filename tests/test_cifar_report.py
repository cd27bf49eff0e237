"""Figures and timings of CIFAR-10 training runs (hw2/cifar_report.py)."""
import matplotlib.pyplot as plt
import pytest

import helpers as H

RUN = {"train_loss": [2.0, 1.5, 1.2], "train_acc": [0.3, 0.5, 0.6], "val_acc": [0.35, 0.45, 0.44], "wall_time_s": 12.0}


def test_training_curves_draw_loss_and_both_accuracies_of_each_run():
    fig = H.plot_training_curves({"baseline": RUN, "augmented": RUN}, [1, 2, 3])
    ax_loss, ax_acc = fig.axes
    assert len(ax_loss.lines) == 2 and len(ax_acc.lines) == 4
    assert list(ax_acc.lines[0].get_ydata()) == RUN["train_acc"] and list(ax_acc.lines[1].get_ydata()) == RUN["val_acc"]
    assert ax_acc.lines[0].get_color() == ax_acc.lines[1].get_color() != ax_acc.lines[2].get_color()
    plt.close(fig)


def test_training_curves_refuse_a_history_not_evaluated_every_epoch():
    with pytest.raises(ValueError, match="per epoch"):
        H.plot_training_curves({"sparse": {**RUN, "val_acc": [0.44]}}, [1, 2, 3])


def test_seconds_per_epoch_divide_the_wall_time_by_the_epochs_trained():
    assert H.seconds_per_epoch(RUN) == pytest.approx(4.0)
