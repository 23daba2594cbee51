"""Incremental ingest into a real Chroma store in a temp dir. What ingest decides does not depend
on the model, so the fake embedder makes the vectors; the CLI, feed and server-mode tests ingest
with the real one."""

from pathlib import Path

from conftest import ARTICLE_TITLE, ingest_folder, make_settings

from assistant.settings import Settings
from assistant.store import Store
from ingest.pipeline import under_paths
from ingest.sync import run_ingest


def test_first_ingest_adds_everything_and_second_embeds_nothing(
    tmp_path, corpus_copy, fake_embedder
):
    settings = make_settings(tmp_path, corpus_copy)
    store = Store(settings)
    first = ingest_folder(settings, store, fake_embedder)
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    assert first.chunks_embedded == store.count() > 10
    assert not first.failed

    second = ingest_folder(settings, Store(settings), fake_embedder)  # a new process would reopen
    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)
    assert second.chunks_embedded == 0
    assert store.count() == first.chunks_embedded


def test_editing_a_file_replaces_only_its_chunks(tmp_path, corpus_copy, fake_embedder):
    settings = make_settings(tmp_path, corpus_copy)
    store = Store(settings)
    ingest_folder(settings, store, fake_embedder)
    before = {c.chunk_id: c for c in store.all_chunks()}
    md = corpus_copy / "core-five.md"
    md.write_text(
        md.read_text().replace("about ten seconds", "about twenty seconds"), encoding="utf-8"
    )

    report = ingest_folder(settings, store, fake_embedder)
    after = {c.chunk_id: c for c in store.all_chunks()}
    assert (report.updated, report.unchanged) == (1, 2)
    assert report.chunks_embedded == 1  # only the edited passage; its neighbours are reused
    changed = set(before) ^ set(after)
    assert changed and all(
        (before.get(i) or after.get(i)).source_id == "file:core-five.md" for i in changed
    )
    assert any("twenty seconds" in c.text for c in after.values())
    assert not any("ten seconds" in c.text for c in after.values())


def test_deleted_file_is_removed_only_with_prune(tmp_path, corpus_copy, fake_embedder):
    settings = make_settings(tmp_path, corpus_copy)
    store = Store(settings)
    ingest_folder(settings, store, fake_embedder)
    (corpus_copy / "sitting.html").unlink()

    kept = ingest_folder(settings, store, fake_embedder)
    assert kept.removed == 0
    assert any(c.source_id == "file:sitting.html" for c in store.all_chunks())

    pruned = ingest_folder(settings, store, fake_embedder, prune_origins=under_paths([corpus_copy]))
    assert pruned.removed == 1
    assert not any(c.source_id == "file:sitting.html" for c in store.all_chunks())
    assert store.get_record("file:sitting.html") is None
    assert {c.title for c in store.all_chunks()} == {ARTICLE_TITLE, "The Core 5 For Spine Health"}


def test_a_broken_file_is_reported_and_its_old_chunks_kept(tmp_path, corpus_copy, fake_embedder):
    settings = make_settings(tmp_path, corpus_copy)
    store = Store(settings)
    ingest_folder(settings, store, fake_embedder)
    count = store.count()
    (corpus_copy / "core-five.md").write_bytes(b"")  # emptied by a bad export
    (corpus_copy / "new.txt").write_bytes(b"\x00\xff\xfe\x00" * 50)  # binary junk

    report = ingest_folder(settings, store, fake_embedder, prune_origins=under_paths([corpus_copy]))
    messages = " ".join(f.message for f in report.failed)
    assert len(report.failed) == 2
    assert "empty" in messages
    assert report.removed == 0  # a file that failed to load is not pruned
    assert store.count() == count


def test_html_furniture_and_scripts_stay_out(tmp_path, corpus_copy, fake_embedder):
    settings = make_settings(tmp_path, corpus_copy)
    store = Store(settings)
    ingest_folder(settings, store, fake_embedder)
    chunks = [c for c in store.all_chunks() if c.source_id == "file:sitting.html"]
    text = "\n".join(c.text for c in chunks)
    assert chunks[0].title == "How To Sit With Sciatica"
    assert "lumbar roll" in text
    for junk in ("alert(", "tracker", "Related Articles", "Copyright", "Shop"):
        assert junk not in text


def test_orphaned_chunks_from_an_interrupted_run_are_swept(tmp_path, corpus_copy, fake_embedder):
    settings = make_settings(tmp_path, corpus_copy)
    store = Store(settings)
    ingest_folder(settings, store, fake_embedder)
    count = store.count()
    chunk = store.all_chunks()[0]
    # As if a run died after writing a chunk but before recording the source that owns it.
    store.add_chunks([chunk.__class__(**{**chunk.__dict__, "chunk_id": "orphan"})], [[0.1] * 384])
    assert store.count() == count + 1
    (corpus_copy / "extra.md").write_text("# Extra\n\nWalking helps sciatica recover.\n")

    ingest_folder(settings, store, fake_embedder)
    ids = {c.chunk_id for c in store.all_chunks()}
    assert "orphan" not in ids
    assert store.count() == count + 1  # the new file's one chunk


def test_source_ids_do_not_depend_on_how_the_path_is_given(tmp_path, corpus_copy, fake_embedder):
    settings = make_settings(tmp_path, corpus_copy)
    store = Store(settings)
    ingest_folder(settings, store, fake_embedder)
    single = ingest_folder(settings, store, fake_embedder, Path(corpus_copy / "core-five.md"))
    assert (single.added, single.unchanged) == (0, 1)


def test_whole_store_reads_go_page_by_page(tmp_path, corpus_copy, fake_embedder, monkeypatch):
    """Reading every chunk (keyword index, orphan sweep) pages through the collection: one
    unbounded read of a ~100k-chunk store fails in embedded Chroma."""
    settings = make_settings(tmp_path, corpus_copy)
    store = Store(settings)
    ingest_folder(settings, store, fake_embedder)
    whole = store.all_chunks()
    assert len(whole) > 5
    chunk = whole[0]
    store.add_chunks([chunk.__class__(**{**chunk.__dict__, "chunk_id": "orphan"})], [[0.1] * 384])
    pages: list[int] = []
    real_get = store._collection.get

    def counting_get(*args, **kwargs):
        result = real_get(*args, **kwargs)
        pages.append(len(result["ids"]))
        return result

    monkeypatch.setattr(store, "_max_batch", 4)
    monkeypatch.setattr(store._collection, "get", counting_get)
    ids = [c.chunk_id for c in store.all_chunks()]
    assert sorted(ids) == sorted([c.chunk_id for c in whole] + ["orphan"])
    assert max(pages) <= 4 and len(pages) > 2
    assert store.sweep_orphans() == 1
    assert store.all_chunks() == whole


def test_the_same_folder_from_another_working_directory_adds_nothing(
    tmp_path, corpus_copy, fake_embedder, monkeypatch
):
    settings = Settings(data_dir=tmp_path / "data")  # corpus_dir: "corpus", as by default
    store = Store(settings)
    monkeypatch.chdir(tmp_path)  # the project dir: `podcast-assistant ingest`
    first = run_ingest(settings, [settings.corpus_dir], store=store, embedder=fake_embedder)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    second = run_ingest(settings, [corpus_copy], store=store, embedder=fake_embedder)
    assert first.added == 3 and (second.added, second.unchanged) == (0, 3)
    assert {r.source_id for r in store.records()} == {
        "file:core-five.md",
        "file:sitting.html",
        "file:why-your-hips-are-breaking-your-back.txt",
    }
