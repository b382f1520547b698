"""Walking the document folder: odd names, symbolic links and unreadable folders (issue 18, defects 1-2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.index.freshness import stale_reasons
from qa.index.indexer import build_index
from qa.ingest.corpus import list_sources, read_document, unsupported_files
from qa.ingest.folder import Skipped, scan_folder
from tests.conftest import fake_settings_for, read_docs

SECRET = "root:x:0:0:the secret outside the folder"


def _names(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def _reasons(root: Path) -> dict[str, str]:
    return {s.file: s.reason for s in unsupported_files(root)}


def test_a_file_with_a_non_utf8_name_is_skipped_with_a_reason_and_the_rest_is_indexed(
    tmp_path, docs_copy, fake_embedder
):
    bad = os.fsencode(docs_copy) + b"/caf\xe9.txt"
    with open(bad, "wb") as f:
        f.write(b"An article whose name is Latin-1.\n")
    settings = fake_settings_for(tmp_path, docs_copy)

    report = build_index(settings, fake_embedder, progress=False)  # crashed in store.save before

    assert report.files == 5  # the five seed articles
    assert Skipped("caf\ufffd.txt", _reasons(docs_copy)["caf\ufffd.txt"]) in report.skipped
    assert "not valid UTF-8" in _reasons(docs_copy)["caf\ufffd.txt"]
    assert stale_reasons(settings) == []  # the skipped name does not make the index look stale


def test_a_link_to_a_file_outside_the_folder_is_not_read(tmp_path):
    outside = tmp_path / "passwd"
    outside.write_text(SECRET + "\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("An article.\n")
    (docs / "passwd.txt").symlink_to(outside)

    docs_read, skipped = read_docs(docs), unsupported_files(docs)

    assert [d.file for d in docs_read] == ["a.txt"]
    reasons = {s.file: s.reason for s in skipped}
    assert reasons["passwd.txt"] == "symbolic link to a file outside the folder: not read"
    assert not any(SECRET in d.text for d in docs_read)
    # read_document itself refuses too, for a caller that was handed the path
    assert read_document(docs / "passwd.txt", docs).reason.startswith("symbolic link to a file outside")


def test_a_link_to_a_file_inside_the_folder_is_followed(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("The real article.\n")
    (tmp_path / "alias.txt").symlink_to("sub/a.txt")
    docs, skipped = read_docs(tmp_path), unsupported_files(tmp_path)
    assert [d.file for d in docs] == ["alias.txt", "sub/a.txt"] and skipped == []


def test_linked_folders_dangling_links_and_loops_are_listed_with_why(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text(SECRET)
    docs = tmp_path / "docs"
    (docs / "real").mkdir(parents=True)
    (docs / "real" / "a.txt").write_text("An article.\n")
    (docs / "outside-folder").symlink_to(elsewhere)
    (docs / "inside-folder").symlink_to(docs / "real")
    (docs / "gone.txt").symlink_to(tmp_path / "no-such-file")
    (docs / "loop.txt").symlink_to(docs / "loop.txt")

    reasons = _reasons(docs)

    assert _names(list_sources(docs), docs) == ["real/a.txt"]
    assert reasons == {
        "outside-folder/": "symbolic link to a folder: not followed",
        "inside-folder/": "symbolic link to a folder: not followed",
        "gone.txt": "dangling symbolic link (its target does not exist)",
        "loop.txt": "symbolic link loop",
    }


def test_an_unreadable_sub_folder_is_listed_with_why(tmp_path, monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.txt").write_text("An article.\n")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.txt").write_text("Cannot be listed.\n")
    real_scandir = os.scandir

    def scandir(path):  # chmod 000 does not stop root, so the refusal is simulated
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    scan = scan_folder(tmp_path)
    assert _names(list(scan.files), tmp_path) == ["ok/a.txt"]
    assert scan.skipped == (Skipped("locked/", "folder cannot be read (Permission denied)"),)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_a_folder_without_read_permission_is_listed(tmp_path):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked").chmod(0)
    try:
        assert "locked/" in _reasons(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
