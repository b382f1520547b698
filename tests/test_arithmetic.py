from qa.answer.arithmetic import explain, figures
from qa.answer.evidence import Evidence
from qa.answer.verify import verify_answer


def unit(text: str, line: int = 1) -> Evidence:
    return Evidence("a.txt", line, 0, len(text), text, 1.0, 1.0, 1)


def test_years_are_never_operands():
    assert figures("from 2020 to 2023, 5 cities") == ["5"]
    assert explain(3, [(f, unit("x")) for f in figures("from 2020 to 2023")]) is None


def test_a_percentage_and_an_amount_do_not_combine():
    assert explain(10, [("80%", unit("x")), ("70", unit("y"))]) is None


TWO_LINES = [unit("Employees are reimbursed about 80%.", 1), unit("Residents are reimbursed about 70%.", 2)]


def test_a_generated_difference_is_kept_labelled_and_cites_both_lines():
    claim = "Employees are reimbursed 10 percentage points more than residents [1]."
    claims = verify_answer(claim, TWO_LINES, {})
    assert len(claims) == 1
    assert claims[0].text.endswith("(derived: 80% - 70% = 10).")
    assert {e.line for e in claims[0].sources} == {1, 2}


def test_an_underivable_number_is_still_dropped():
    claim = "Employees are reimbursed 15 percentage points more than residents [1]."
    assert verify_answer(claim, TWO_LINES, {}) == []


def test_a_version_number_is_no_figure_and_breaks_nothing():
    assert figures("libffi 1.0.8 and 3.4 and 12%") == ["3.4", "12%"]
    lines = [unit("Version 1.0.8 added 3 calls.", 1), unit("Version 1.0.9 added 5 calls.", 2)]
    assert verify_answer("Version 1.0.10 added calls [1].", lines, {}) == []
