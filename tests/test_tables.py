"""Result tables shown in the notebooks."""
import helpers as H


def test_markdown_table_has_a_header_and_one_line_per_row():
    text = H.markdown_table([{"recipe": "scratch", "acc": 0.3}, {"recipe": "a|b", "acc": 0.25}])
    assert text.splitlines() == ["| recipe | acc |", "|---|---|", "| scratch | 0.3 |", "| a\\|b | 0.25 |"]
