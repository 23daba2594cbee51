"""An embedded store being served by one process is not written by another: Chroma's embedded
client would not show the served process what the other added."""

import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import REPO, make_settings

from assistant.store.sharing import StoreBusy, writing
from ingest.sync import run_ingest
from ui.cli import main

HOLD = """
import sys, time
from assistant.settings import Settings
from assistant.store.sharing import serving
with serving(Settings(data_dir=sys.argv[1])):
    print("serving", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def served(tmp_path):
    """A second process holding the data dir as `serve` does."""
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(data)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "serving"
    yield data, proc
    proc.kill()
    proc.wait()


def test_an_ingest_is_refused_while_another_process_serves_the_store(
    served, tmp_path, corpus_copy, embedder, monkeypatch
):
    data, proc = served
    settings = make_settings(tmp_path, corpus_copy)
    assert settings.data_dir == data
    with pytest.raises(StoreBusy, match="running `serve`.*PODCAST_ASSISTANT_CHROMA_URL"):
        run_ingest(settings, [corpus_copy], embedder=embedder, progress=False)
    monkeypatch.setenv("PODCAST_ASSISTANT_DATA_DIR", str(data))
    result = CliRunner().invoke(main, ["ingest", str(corpus_copy)])
    assert result.exit_code == 1 and "stop serve while ingesting" in result.output
    # A dry run writes nothing, so it may look.
    assert run_ingest(settings, [corpus_copy], embedder=embedder, dry_run=True).added

    proc.kill()
    proc.wait()
    report = run_ingest(settings, [corpus_copy], embedder=embedder, progress=False)
    assert report.added and not report.failed


def test_a_chroma_server_needs_no_lock(tmp_path):
    settings = make_settings(tmp_path, tmp_path, chroma_url="http://127.0.0.1:9")
    with writing(settings), writing(settings):  # nothing taken: the server is process-safe
        pass
    assert not (tmp_path / "data" / "store.lock").exists()
