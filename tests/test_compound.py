import pytest

from qa.answer.compound import resolve, split_question


def test_one_question_with_and_is_not_split():
    assert split_question("Which provinces raised the subsidy and cut drug prices?") == [
        "Which provinces raised the subsidy and cut drug prices?"
    ]
    assert split_question("What rose, and how?") == ["What rose, and how?"]  # parts too short to stand


def test_a_statement_then_a_question_is_one_question():
    question = "The report calls for coordinated development of insurance; which provinces list this in 2024?"
    assert split_question(question) == [question]


def test_a_second_question_after_a_semicolon_is_split():
    assert split_question("What did Jiangxi recover in 2020; which bureau reported it?") == [
        "What did Jiangxi recover in 2020?",
        "which bureau reported it?",
    ]


def test_back_reference_takes_the_first_new_name_only_for_the_asked_noun():
    answer = "Long Guoying is deputy chairman of the Jiangxi Provincial Committee."
    assert resolve("how much did that province recover?", "Long Guoying serves which province?", answer) == (
        "how much did Jiangxi recover?"
    )
    assert resolve("how much did that city recover?", "Long Guoying serves which province?", answer) == (
        "how much did that city recover?"
    )


@pytest.mark.model
def test_each_part_is_answered_from_its_own_article_and_cited(model_pipeline):
    from qa.answer.pipeline import Pipeline

    settings = model_pipeline.settings.replace(generator_model="none")
    pipeline = Pipeline(settings, retriever=model_pipeline.retriever)
    answer = pipeline.ask(
        "How many illegal medical institutions did Jiangxi handle in 2020, "
        "and what is the 2023 per capita financial subsidy standard for residents' medical insurance?"
    )
    assert not answer.abstained
    assert "16,687" in answer.text and "640 yuan" in answer.text
    assert {c.file for c in answer.citations} >= {"001_5c3b6ceae2eb49f9.txt", "002_095f06bb2d399fd2.txt"}
