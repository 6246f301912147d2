import pytest

from learna.errors import StructureError
from learna.structure import MAX_LENGTH, Target, hamming, pair_table, validate


def test_pair_table_of_nested_and_sequential_helices():
    assert pair_table("((..)).()") == (5, 4, -1, -1, 1, 0, -1, 8, 7)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("((..)", "unbalanced '(' at position 1"),
        ("(..))", "unbalanced ')' at position 5"),
        ("((.x))", "unknown character 'x' at position 4"),
        ("((.[]))", "unknown character '[' at position 4"),
        ("", "empty target"),
        ("   ", "empty target"),
    ],
)
def test_invalid_targets_name_the_problem(target, message):
    with pytest.raises(StructureError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        validate(target)


def test_too_long_target_is_rejected():
    with pytest.raises(StructureError, match="longer than the maximum"):
        validate("." * (MAX_LENGTH + 1))
    assert validate("." * MAX_LENGTH) == "." * MAX_LENGTH


def test_target_properties():
    t = Target(" ((..)).. ", id="x")
    assert t.dot_bracket == "((..)).."
    assert len(t) == 8
    assert t.pairs == ((0, 5), (1, 4))
    assert t.unpaired == (2, 3, 6, 7)
    assert t.design_sites == (0, 1, 2, 3, 6, 7)


def test_hamming():
    assert hamming("((..))", "((..))") == 0
    assert hamming("((..))", "......") == 4
    with pytest.raises(ValueError):
        hamming("..", "...")
