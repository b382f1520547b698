"""Visible text of HTML pages: what a reader sees, one line per block."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest.corpus import Document, Skipped, read_document
from qa.ingest.html_text import html_to_text

PAGE = """<!DOCTYPE html>
<html><head><title>Not shown</title><meta charset="utf-8">
<style>p { color: red; }</style><script>var answer = "999 million";</script></head>
<body>
  <nav><a href="/">Home</a> | <a href="/news">News</a></nav>
  <!-- a comment: 888 million -->
  <h1>Jiangxi   recovers
      funds</h1>
  <div><div><p>The province recovered <b>723 million</b> yuan in 2020.</p></div></div>
  <p>First line<br>second line &amp; more&nbsp;text</p>
  <ul><li>one</li><li>two</li></ul>
  <table><tr><th>Province</th><th>Amount</th></tr><tr><td>Jiangxi</td><td>723</td></tr></table>
  <noscript>Enable scripts</noscript>
</body></html>"""


def test_visible_text_has_one_line_per_block_and_nothing_hidden():
    assert html_to_text(PAGE).split("\n") == [
        "Home | News",
        "Jiangxi recovers funds",
        "The province recovered 723 million yuan in 2020.",
        "First line",
        "second line & more text",
        "one",
        "two",
        "Province Amount",
        "Jiangxi 723",
    ]


@pytest.mark.parametrize(
    "source",
    ["", "<html></html>", "<script>x()</script><style>a{}</style>", "<!-- only a comment -->", "<p> \n </p>"],
)
def test_pages_without_visible_text_give_an_empty_string(source):
    assert html_to_text(source) == ""


def test_broken_markup_still_gives_its_text():
    assert html_to_text("<p>unclosed <b>bold<div>next</p></i>tail") == "unclosed bold\nnext\ntail"


def test_a_script_never_closed_hides_only_what_follows_it():
    assert html_to_text("<p>before</p><script>var x = '<p>in script</p>'") == "before"


def test_an_html_file_is_read_as_its_visible_text(tmp_path: Path):
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    doc = read_document(tmp_path / "page.html", tmp_path)
    assert isinstance(doc, Document)
    assert doc.line(3) == "The province recovered 723 million yuan in 2020."
    assert "999" not in doc.text and "888" not in doc.text and "Not shown" not in doc.text


def test_an_html_file_without_visible_text_is_skipped_with_why(tmp_path: Path):
    (tmp_path / "blank.htm").write_text("<html><script>only()</script></html>")
    assert read_document(tmp_path / "blank.htm", tmp_path) == Skipped("blank.htm", "no visible text")
