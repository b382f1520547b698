from qa.answer.byline import byline, byline_answer, on_topic, story_byline
from qa.answer.evidence import Evidence
from qa.retrieval.lexical import file_tokens

LINE = "Xinhua News Agency, Beijing, July 29 (Reporter Peng Yunjia) The bureau released the 2023 notice."


def unit(text: str = "The bureau released the 2023 notice.") -> Evidence:
    return Evidence("a.txt", 7, 0, len(text), text, 1.0, 1.0, 1)


def test_the_byline_of_the_answering_line_answers_who_reported():
    lines = {("a.txt", 7): LINE}
    text, cited = byline_answer("Who reported the Xinhua story on the 2023 notice?", [unit()], lines)
    assert text.startswith("Peng Yunjia") and cited.line == 7
    which = byline_answer("Which reporter wrote the story on the notice?", [unit()], lines)
    assert which[0].startswith("Peng Yunjia")


def test_other_questions_and_lines_without_a_byline_get_none():
    assert byline_answer("What did the notice say in 2023?", [unit()], {("a.txt", 7): LINE}) is None
    no_byline = {("a.txt", 7): "The reporter learned it."}
    assert byline_answer("Who reported the story?", [unit()], no_byline) is None
    assert byline("Peng Yunjia said (Reporter) nothing") == ""


def test_an_author_line_at_the_end_of_the_story_answers_who_wrote_it():
    lines = {
        ("a.txt", 7): "The bureau released the 2023 notice.",
        ("a.txt", 41): "Author |Jiang Changsong is the assistant to the president of the institute.",
        ("b.txt", 1): "Xinhua News Agency, Beijing (Reporter Peng Yunjia) Other news.",
    }
    text, cited = byline_answer("Who wrote the article on the 2023 notice?", [unit()], lines)
    assert text.startswith("Jiang Changsong") and (cited.file, cited.line) == ("a.txt", 41)


STORIES = {
    ("a.txt", 1): "Beijing, March 6 (Lu Mengmeng) A member from Jiangxi spoke on insurance.",
    ("a.txt", 2): "Insurance participation fell in 2022.",
    ("a.txt", 3): "Residents withdrew from insurance.",
    ("b.txt", 1): "Nanchang, March 19 (Reporter Wu Pengquan) Jiangxi recovered 723 million yuan.",
    ("b.txt", 2): "Jiangxi handled 16,687 institutions.",
    ("c.txt", 1): "Jiangxi reformed its insurance.",  # about Jiangxi, but no byline
}
DOCUMENTS = file_tokens(STORIES)


def find(question: str, stories: list[str]):
    return story_byline(question, stories, STORIES, DOCUMENTS, {})


def test_the_story_most_about_the_topic_gives_the_byline():
    text, cited = find("Who wrote the article about Jiangxi?", ["a.txt", "b.txt"])
    assert text.startswith("Wu Pengquan") and (cited.file, cited.line) == ("b.txt", 1)
    question = "Who wrote the story on residents withdrawing?"
    text, cited = find(question, ["b.txt", "a.txt"])
    assert text.startswith("Lu Mengmeng") and (cited.file, cited.line) == ("a.txt", 1)


def test_no_story_about_the_topic_or_no_byline_gives_none():
    assert find("Who wrote the article about Mars?", ["a.txt", "b.txt"]) is None
    assert find("Who wrote the article about rockets?", ["a.txt", "b.txt"]) is None
    assert find("Who wrote the article about Jiangxi?", ["c.txt"]) is None
    assert find("What did Jiangxi recover?", ["b.txt"]) is None  # not who-wrote
    assert find("Who wrote the article?", ["b.txt"]) is None  # no topic to pick by


def test_only_units_from_a_story_about_the_topic_may_answer_who_wrote():
    units = [Evidence(f, n, 0, 0, STORIES[f, n], 1.0, 1.0, 1) for f, n in (("a.txt", 2), ("b.txt", 2))]
    kept = on_topic("Who wrote the article about the 723 million yuan?", units, DOCUMENTS, {})
    assert [u.file for u in kept] == ["b.txt"]
    assert on_topic("Who wrote the article about rockets?", units, DOCUMENTS, {}) == []
    assert on_topic("Who wrote the article?", units, DOCUMENTS, {}) == units
