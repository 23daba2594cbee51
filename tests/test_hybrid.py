"""Hybrid retrieval: BM25 and dense rankings fused, duplicates collapsed, index kept current."""

import threading
import time
from dataclasses import replace

import numpy as np
import pytest
from conftest import ingest_folder, make_settings

from assistant.records import Chunk, Passage
from assistant.retrieval import keyword as keyword_module
from assistant.retrieval.fusion import collapse, fuse
from assistant.retrieval.hybrid import WHOLE_MATCH_BONUS, HybridRetriever
from assistant.retrieval.keyword import KeywordIndex
from assistant.store import Store


def _chunk(chunk_id: str, text: str, start: int, end: int, source: str = "s") -> Chunk:
    return Chunk(chunk_id, source, "article", "T", text, 0, start, end)


def test_rrf_rewards_agreement_between_rankings():
    assert fuse([["a", "b", "c"], ["d", "b", "e"]]) == ["b", "a", "d", "c", "e"]
    assert fuse([["x"], []]) == ["x"]


def test_overlapping_and_repeated_chunks_collapse_into_the_better_ranked():
    first = _chunk("1", "The hips feed into the lower back and the spine.", 0, 100)
    overlapping = _chunk("2", "Different words but the same span of the source.", 40, 120)
    neighbour = _chunk("3", "Strength first and flexibility second does good.", 95, 200)
    copy = replace(first, chunk_id="4", source_id="other", start_char=0, end_char=100)
    passages = [Passage(c, 0.5) for c in (first, overlapping, neighbour, copy)]
    assert [p.chunk.chunk_id for p in collapse(passages)] == ["1", "3"]


@pytest.mark.parametrize(
    ("query", "term"),
    [("sartorius", "sartorius"), ("L5 S1", "L5,S1"), ("piriformis figure 4", "piriformis")],
)
def test_rare_terms_are_found_by_keyword(shipped, embedder, query, term):
    _, store = shipped
    index = KeywordIndex(store)
    top, score = index.search(query, 3)[0]
    assert term in top.text and score > 0
    hybrid = HybridRetriever(store=store, embedder=embedder, k=3)
    assert term in hybrid.passages(query)[0].chunk.text


def test_keyword_only_hits_keep_a_cosine_score(shipped, embedder):
    """A passage's score is its cosine, plus keyword_weight times a coverage in [0, 1], plus
    WHOLE_MATCH_BONUS when it holds every uncommon word of the question, keyword-only hits
    included."""
    _, store = shipped
    retriever = HybridRetriever(store=store, embedder=embedder, k=6, candidates=2)
    query = "rectus femoris sartorius"
    passages = retriever.passages(query)
    ids = [p.chunk.chunk_id for p in passages]
    assert len(set(ids)) == len(ids)
    dense = {p.chunk.chunk_id for p in store.query(embedder.embed_query(query), 2)}
    assert set(ids) - dense, "no keyword-only hit to test"
    cover = retriever.keyword.coverage(query, ids)
    whole = retriever.keyword.holds_every_known_word(query, ids)
    assert any(c > 0 for c in cover) and any(whole) and not all(whole)
    assert all(0.0 <= c <= 1.0 for c in cover)
    assert [p.score for p in passages] == pytest.approx(
        expected_scores(retriever, store, embedder, query, passages), abs=1e-4
    )
    # The whole-match bonus is marked as such, for the gate only (`Passage.about`).
    assert [p.about for p in passages] == [WHOLE_MATCH_BONUS * w for w in whole]


def test_retrieval_encodes_only_the_question(shipped, embedder, encoded):
    """Keyword-only hits are scored from their stored vectors, not encoded per question."""
    _, store = shipped
    retriever = HybridRetriever(store=store, embedder=embedder, k=6, candidates=2)
    query = "rectus femoris sartorius, and the hip flexors?"
    passages = retriever.passages(query)
    dense = {p.chunk.chunk_id for p in store.query(embedder.embed_query(query), 2)}
    assert any(p.chunk.chunk_id not in dense for p in passages), "no keyword-only hit to test"
    assert encoded == [query]  # once: the store's query above reused the remembered vector
    assert [p.score for p in passages] == pytest.approx(
        expected_scores(retriever, store, embedder, query, passages), abs=1e-4
    )


def test_passages_come_best_first_by_how_well_they_match(shipped, embedder):
    """Fusion picks which passages are kept; their own scores order them (a keyword-only hit
    that holds the question's rare words can come first)."""
    _, store = shipped
    retriever = HybridRetriever(store=store, embedder=embedder, k=6, candidates=4)
    for query in ("rectus femoris sartorius", "why do my hips get tight", "cooked spaghetti"):
        matches = [p.match for p in retriever.passages(query)]
        assert matches == sorted(matches, reverse=True), query


def test_the_asking_clause_brings_candidates_of_its_own_scored_against_the_question(
    shipped, embedder
):
    _, store = shipped
    retriever = HybridRetriever(store=store, embedder=embedder, k=6, candidates=3)
    story = "i sit at my desk all day and by the evening my lower back is really stiff"
    asking = "which muscles cross the hip and the knee"
    alone = {p.chunk.chunk_id for p in retriever.passages(story)}
    both = retriever.passages(story, asking)
    asked = [p.chunk.chunk_id for p in retriever.passages(asking)]
    assert asked[0] not in alone, "the clause finds nothing new here: no test"
    assert asked[0] in {p.chunk.chunk_id for p in both}
    assert [p.score for p in both] == pytest.approx(
        expected_scores(retriever, store, embedder, story, both), abs=1e-4
    )


def expected_scores(retriever, store, embedder, query, passages) -> list[float]:
    """Cosine from the stored vector + keyword_weight × coverage + the whole-match bonus."""
    ids = [p.chunk.chunk_id for p in passages]
    stored = store.vectors(ids)
    cover = retriever.keyword.coverage(query, ids)
    whole = retriever.keyword.holds_every_known_word(query, ids)
    vector = embedder.query_vector(query)
    return [
        float(np.dot(stored[i], vector)) + retriever.keyword_weight * c + WHOLE_MATCH_BONUS * w
        for i, c, w in zip(ids, cover, whole, strict=True)
    ]


def test_keyword_index_follows_incremental_ingest(tmp_path, embedder, corpus_copy):
    settings = make_settings(tmp_path, corpus_copy)
    store = Store(settings)
    article = corpus_copy / "why-your-hips-are-breaking-your-back.txt"
    ingest_folder(settings, store, embedder, article)
    index = KeywordIndex(store)
    assert index.search("pedals", 3) == []  # no chunk has the word yet
    built = index._snapshot
    assert index.search("hips", 3)
    assert index._snapshot is built  # unchanged store: no rebuild

    ingest_folder(settings, store, embedder, corpus_copy)  # adds the test articles
    found = index.search("pedals", 3)
    assert found and "pedals" in found[0][0].text
    assert index._snapshot is not built

    store.remove_source(found[0][0].source_id)
    assert index.search("pedals", 3) == []


def test_a_large_index_is_rebuilt_once_off_the_request_path(
    tmp_path, embedder, corpus_copy, monkeypatch
):
    settings = make_settings(tmp_path, corpus_copy)
    store = Store(settings)
    article = corpus_copy / "why-your-hips-are-breaking-your-back.txt"
    ingest_folder(settings, store, embedder, article)
    index = KeywordIndex(store)
    index.refresh()  # the first build is at once: there is nothing to answer from meanwhile
    first = index._snapshot
    monkeypatch.setattr(keyword_module, "BACKGROUND_CHUNKS", 1)  # "large" from here on
    builds, release = [], threading.Event()
    real_build = keyword_module._build

    def slow_build(revision, chunks, kept_in=None):
        builds.append(revision)
        release.wait(10)
        return real_build(revision, chunks, kept_in)

    monkeypatch.setattr(keyword_module, "_build", slow_build)
    ingest_folder(settings, store, embedder, corpus_copy)  # adds the test articles
    for _ in range(3):  # questions arriving while it builds use the last index, at once
        index.refresh()
        assert index._snapshot is first and index.search_as_built("pedals", 3) == []
    release.set()
    deadline = time.monotonic() + 10
    while index._snapshot is first and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(builds) == 1  # built once, however many questions asked meanwhile
    assert index.search_as_built("pedals", 3)
