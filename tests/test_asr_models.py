"""The packaged Whisper weights: found in their packages, joined once, refused when their
hashes differ (nothing is ever downloaded)."""

import pytest

from assistant.settings import Settings
from ingest.asr import BASE, BASE_SIZE, _check, model_folder, sha256_file
from ingest.errors import SourceError


def test_base_is_joined_once_into_the_data_dir_and_repaired_when_damaged(tmp_path):
    settings = Settings(data_dir=tmp_path, asr_model="base")
    folder = model_folder(settings)
    model = folder / "model.bin"
    assert folder == tmp_path / "models" / "whisper-base"
    assert model.stat().st_size == BASE_SIZE and sha256_file(model) == BASE["model.bin"]
    joined_at = model.stat().st_mtime_ns
    assert model_folder(settings) == folder and model.stat().st_mtime_ns == joined_at

    with model.open("r+b") as fh:  # a flipped byte: joined again from the packages
        fh.seek(1000)
        fh.write(b"\x00" if fh.read(1) != b"\x00" else b"\x01")
    model_folder(settings)
    assert sha256_file(model) == BASE["model.bin"]
    assert not list(folder.glob("*.partial"))


def test_files_whose_hash_differs_are_refused(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"not whisper")
    with pytest.raises(SourceError, match="hash differs"):
        _check(tmp_path, {"model.bin": "0" * 64})
    assert model_folder(Settings(data_dir=tmp_path, asr_model="tiny.en")).is_dir()
    with pytest.raises(SourceError, match="not tiny.en, base, or a folder"):
        model_folder(Settings(data_dir=tmp_path, asr_model=str(tmp_path / "nothing")))
