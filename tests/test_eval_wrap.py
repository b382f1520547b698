"""Hard-wrapped copies of a documents folder and the map from original to wrapped lines."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from qa.evaluation.wrap import map_lines, wrap_folder, wrap_lines

PARAGRAPH = (
    "Lighthouse keepers on the northern coast logged the weather every four hours, and their "
    "notebooks, kept since 1871, are now the longest record of wind speed in the region."
)


def test_long_lines_are_wrapped_and_short_and_blank_lines_kept():
    text = f"Title\n\n{PARAGRAPH}\n\nshort line\n"
    new, where = wrap_lines(text, 80)
    lines = new.split("\n")
    assert lines[:2] == ["Title", ""] and lines[-3:] == ["", "short line", ""]
    assert all(len(line) <= 80 for line in lines)
    first, last = where[3]
    assert " ".join(lines[first - 1 : last]) == PARAGRAPH  # nothing lost, words whole
    assert where[1] == (1, 1) and where[4] == (last + 1, last + 1) and where[5] == (last + 2, last + 2)
    assert len(where) == 5  # the empty string after the final newline is not a line


def test_no_breaks_inside_long_words_or_at_hyphens():
    line = "see https://example.org/" + "x" * 90 + " and a well-known long-standing rule " * 3
    new, where = wrap_lines(line, 40)
    pieces = new.split("\n")
    assert any(p.endswith("x" * 90) for p in pieces)  # the URL stays one (too long) line
    assert not any(p.endswith("-") for p in pieces)
    assert pieces == textwrap.wrap(line, 40, break_long_words=False, break_on_hyphens=False)
    assert where == {1: (1, len(pieces))}


def test_line_of_spaces_stays_one_blank_line():
    new, where = wrap_lines(" " * 100 + "\nnext", 80)
    assert new == "\nnext" and where == {1: (1, 1), 2: (2, 2)}


def test_wrap_folder_wraps_text_copies_others_and_updates_in_place(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "sub").mkdir(parents=True)
    (src / "notes.md").write_text(f"# Notes\n{PARAGRAPH}\n", encoding="utf-8")
    (src / "sub" / "plain.txt").write_text("tiny\n", encoding="utf-8")
    (src / "scan.pdf").write_bytes(b"%PDF-1.4 " + b"y" * 200)
    (src / ".hidden.txt").write_text(PARAGRAPH, encoding="utf-8")
    (src / "latin.txt").write_bytes(("caf\xe9 " * 40).encode("latin-1"))
    line_map = wrap_folder(src, dst, 80)
    assert sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*") if p.is_file()) == [
        "latin.txt",
        "notes.md",
        "scan.pdf",
        "sub/plain.txt",
    ]
    assert (dst / "scan.pdf").read_bytes() == (src / "scan.pdf").read_bytes()
    assert (dst / "latin.txt").read_bytes() == (src / "latin.txt").read_bytes()  # not UTF-8: as it was
    assert set(line_map) == {"notes.md", "sub/plain.txt"} and line_map["notes.md"][2][0] == 2
    # A rerun rewrites nothing that did not change, and drops files gone from the source.
    os.utime(dst / "notes.md", (1, 1))
    (src / "sub" / "plain.txt").unlink()
    wrap_folder(src, dst, 80)
    assert (dst / "notes.md").stat().st_mtime == 1 and not (dst / "sub" / "plain.txt").exists()
    with pytest.raises(ValueError, match="at least 10"):
        wrap_folder(src, dst, 5)


def test_map_lines_expands_wrapped_lines_and_keeps_others():
    line_map = {"a.txt": {1: (1, 1), 2: (2, 4)}}
    assert map_lines([("a.txt", 2), ("a.txt", 1)], line_map) == (
        ("a.txt", 2),
        ("a.txt", 3),
        ("a.txt", 4),
        ("a.txt", 1),
    )
    assert map_lines([("r.pdf", 9), ("a.txt", 99)], line_map) == (("r.pdf", 9), ("a.txt", 99))


def test_gold_line_maps_onto_the_lines_holding_its_words(tmp_path: Path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    (src / "log.txt").write_text(f"intro\n{PARAGRAPH}\n", encoding="utf-8")
    line_map = wrap_folder(src, dst, 50)
    wrapped = (dst / "log.txt").read_text(encoding="utf-8").split("\n")
    lines = [wrapped[n - 1] for _, n in map_lines([("log.txt", 2)], line_map)]
    assert any("1871" in line for line in lines) and " ".join(lines) == PARAGRAPH
