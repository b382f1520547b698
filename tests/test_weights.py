"""The learned answer parts' weights files are checked before use: a damaged or missing file is refused."""

import pytest

from qa.answer import gate, reader
from qa.errors import ModelError


@pytest.mark.parametrize("load", [gate.load_gate, reader.load_reader], ids=["gate", "reader"])
def test_damaged_or_missing_weights_are_refused(tmp_path, load):
    bad = tmp_path / "weights.json"
    bad.write_text('{"weights": {}, "mean": {}, "scale": {}}')
    with pytest.raises(ModelError, match="checksum"):
        load(str(bad), sha256="0" * 64)
    with pytest.raises(ModelError, match="missing"):
        load(str(tmp_path / "none.json"))


@pytest.mark.parametrize("load", [gate.load_gate, reader.load_reader], ids=["gate", "reader"])
def test_the_packaged_weights_pass_their_checksum(load):
    assert load().weights
