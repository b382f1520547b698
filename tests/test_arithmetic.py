from qa.answer.arithmetic import difference_answer, earlier_answer, explain, figures
from qa.answer.evidence import Evidence
from qa.answer.verify import verify_answer


def unit(text: str, line: int = 1) -> Evidence:
    return Evidence("a.txt", line, 0, len(text), text, 1.0, 1.0, 1)


def test_years_are_never_operands():
    assert figures("from 2020 to 2023, 5 cities") == ["5"]
    assert explain(3, [(f, unit("x")) for f in figures("from 2020 to 2023")]) is None


def test_a_percentage_and_an_amount_do_not_combine():
    assert explain(10, [("80%", unit("x")), ("70", unit("y"))]) is None
    assert difference_answer("How many more yuan is A than B?", [unit("A got 80% and B 70 yuan")]) is None


def test_difference_needs_a_comparison_question_and_exactly_two_figures():
    two = unit("employees 80% and residents 70%")
    assert difference_answer("What are the ratios of employees and residents?", [two]) is None
    assert difference_answer("How much higher is A than B?", [unit("A 80%, B 70%, C 60%")]) is None
    text, cited = difference_answer("How much higher is the employees' ratio than residents'?", [two])
    assert text.startswith("About 10 percentage points") and "80% - 70% = 10" in text and cited == two


def test_earlier_figure_needs_a_before_question_and_matching_units():
    rise = unit("raised by 30 yuan to 640 yuan")
    assert earlier_answer("What is the standard now?", [rise]) is None
    assert earlier_answer("What was it before the increase?", [unit("increased by 2 points to 80%")]) is None
    assert earlier_answer("What was it before the increase?", [rise])[0].startswith("610 yuan")


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


def test_which_is_larger_compares_the_amount_stated_for_each_alternative_on_its_own_line():
    from qa.answer.arithmetic import comparison_answer

    government = unit(
        "According to Wang, government medical assistance has reached about 50 billion yuan a year.", 33
    )
    foundations = unit("More than 200 foundations have invested in medical assistance.", 35)
    drugs = unit("The total amount of medical assistance and drugs for a year exceeds 30 billion yuan.", 35)
    lines = {("a.txt", 33): government.text, ("a.txt", 35): foundations.text + " " + drugs.text}
    evidence = [foundations, drugs, government]
    asked = (
        "Which is larger: annual government medical assistance, or the medical assistance and drugs "
        "from 200 foundations?"
    )
    text, cited = comparison_answer(asked, evidence, lines)
    assert text.startswith("Annual government medical assistance: 50 billion yuan against 30 billion yuan")
    assert "(derived: 50 billion yuan > 30 billion yuan)" in text
    assert [u.line for u in cited] == [33, 35]
    smaller = asked.replace("larger", "smaller")
    assert comparison_answer(smaller, evidence, lines)[0].startswith("The medical assistance and drugs")


def test_a_comparison_without_an_amount_for_each_alternative_is_not_answered():
    from qa.answer.arithmetic import comparison_answer

    government = unit("Government medical assistance has reached about 50 billion yuan a year.", 33)
    lines = {("a.txt", 33): government.text}
    asked = "Which is larger: government medical assistance, or the assistance from foundations?"
    assert comparison_answer(asked, [government], lines) is None
    assert comparison_answer("Which province is larger?", [government], lines) is None
