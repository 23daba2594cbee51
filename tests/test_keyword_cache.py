"""The keyword index kept on disk: a second start loads it instead of rebuilding, and gives the
same answers; a changed store or a damaged file means a rebuild, never a wrong index."""

import logging

from conftest import CORPUS, make_settings

from assistant.retrieval import keyword as keyword_module
from assistant.retrieval import keyword_cache
from assistant.retrieval.keyword import KeywordIndex
from assistant.store import Store
from ingest.sync import run_ingest

QUERIES = ["piriformis figure 4", "sartorius", "L5 S1 disc", "cooked spaghetti"]


def _results(index: KeywordIndex) -> list:
    found = [[(c.chunk_id, round(s, 6)) for c, s in index.search(q, 5)] for q in QUERIES]
    ids = [c.chunk_id for c in index.store.all_chunks()][:5]
    extra = [index.coverage(q, ids) for q in QUERIES] + [index.spelled("sciatia and piriformus")]
    return [found, extra, index.share_of("sciatica"), index.holds_every_known_word(QUERIES[3], ids)]


def test_a_kept_index_is_loaded_and_answers_as_a_fresh_build(shipped, tmp_path, monkeypatch):
    _, store = shipped
    fresh = _results(KeywordIndex(store))
    kept_in = tmp_path / "keyword-index"
    first = KeywordIndex(store, kept_in)
    assert _results(first) == fresh
    assert len(list(kept_in.iterdir())) == 1  # kept, under one key

    def no_rebuild(*args):
        raise AssertionError("the kept index should have been loaded")

    monkeypatch.setattr(keyword_module, "_costly_parts", no_rebuild)
    assert _results(KeywordIndex(store, kept_in)) == fresh


def test_a_damaged_kept_index_is_rebuilt(shipped, tmp_path, caplog):
    _, store = shipped
    fresh = _results(KeywordIndex(store))
    kept_in = tmp_path / "keyword-index"
    KeywordIndex(store, kept_in).refresh()
    (folder,) = kept_in.iterdir()
    (folder / "derived.json").write_text("{not json")
    with caplog.at_level(logging.WARNING):
        assert _results(KeywordIndex(store, kept_in)) == fresh
    assert "can't be read" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):  # and kept again, whole: the next start loads it
        assert _results(KeywordIndex(store, kept_in)) == fresh
    assert "can't be read" not in caplog.text


def test_other_chunks_mean_another_key():
    assert keyword_cache.key_of(["a", "b"]) != keyword_cache.key_of(["b", "a"])
    assert keyword_cache.key_of(["a", "b"]) != keyword_cache.key_of(["a"])


def test_an_ingest_that_changes_the_store_keeps_the_index_for_serve(
    tmp_path, embedder, monkeypatch
):
    settings = make_settings(tmp_path, CORPUS)
    report = run_ingest(settings, [CORPUS], embedder=embedder, progress=False)
    assert report.added and len(list(settings.keyword_index_path.iterdir())) == 1

    def no_rebuild(*args):
        raise AssertionError("the index the ingest kept should have been loaded")

    monkeypatch.setattr(keyword_module, "_costly_parts", no_rebuild)
    index = KeywordIndex(Store(settings), settings.keyword_index_path)
    assert index.search("piriformis figure 4", 1)
