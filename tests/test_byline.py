from qa.byline import byline, byline_answer
from qa.evidence import Evidence

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
