"""Result tables shown in the notebooks."""
import helpers as H


def test_markdown_table_has_a_header_and_one_line_per_row():
    text = H.markdown_table([{"recipe": "scratch", "acc": 0.3}, {"recipe": "a|b", "acc": 0.25}])
    assert text.splitlines() == ["| recipe | acc |", "|---|---|", "| scratch | 0.3 |", "| a\\|b | 0.25 |"]


def test_held_out_tail_sentence_gives_the_kept_epochs_snr_and_input():
    sentence = H.held_out_tail_sentence({"snr_db": 12.456, "input_snr_db": 1.603, "best_epoch": 25})
    assert sentence == "On the held-out tail of the training voice: 12.46 dB (input 1.60 dB) at epoch 25."
