"""Chunks fit the embedder's window, cover every sentence, and carry no page furniture."""

import json
import re
from itertools import islice
from pathlib import Path

import pytest
from conftest import ARTICLE, ARTICLE_TITLE, CORPUS, SHARED_TESTDATA

from assistant.records import Source
from assistant.text import normalize_space, split_sentences
from ingest.chunking import chunk_source, embedding_text
from ingest.clean import FURNITURE_LINES, TAIL_MARKERS
from ingest.files import load_file

LISTENER_CORPUS = Path(__file__).parent.parent / "evals" / "listener" / "corpus.jsonl"
FURNITURE = ["Watch The Podcast", "Related Articles", "Responses"]


@pytest.fixture(scope="module")
def article_chunks(embedder):
    source = load_file(ARTICLE, CORPUS, 10_000_000)
    return source, chunk_source(source, embedder.count_tokens, embedder.max_tokens)


def test_article_metadata_comes_from_the_sidecar(article_chunks):
    source, chunks = article_chunks
    assert source.title == ARTICLE_TITLE
    assert source.kind == "article"
    assert source.url is None  # no invented URL
    assert all(c.title == ARTICLE_TITLE and c.kind == "article" for c in chunks)


def test_no_chunk_exceeds_the_model_window(article_chunks, embedder):
    _, chunks = article_chunks
    assert embedder.max_tokens == 256
    sizes = [embedder.count_tokens(embedding_text(c)) for c in chunks]
    assert max(sizes) <= 256
    assert len(chunks) >= 5  # a 9 kB article is not one chunk


def test_every_sentence_of_the_article_lands_in_a_chunk(article_chunks):
    _, chunks = article_chunks
    raw = ARTICLE.read_text(encoding="utf-8")
    furniture = {line.lower() for line in FURNITURE_LINES | TAIL_MARKERS}
    sentences = [
        s
        for s in split_sentences(raw)
        if s.strip() != ARTICLE_TITLE and s.strip().lower() not in furniture
    ]
    assert len(sentences) > 60
    joined = [normalize_space(c.text) for c in chunks]
    missing = [s for s in sentences if not any(normalize_space(s) in j for j in joined)]
    assert missing == []


def test_no_page_furniture_in_any_chunk(article_chunks):
    _, chunks = article_chunks
    for chunk in chunks:
        lines = {line.strip() for line in chunk.text.split("\n")}
        assert not lines & set(FURNITURE), chunk.text


def test_offsets_point_at_the_chunk_text(article_chunks):
    source, chunks = article_chunks
    for position, chunk in enumerate(chunks):
        assert chunk.position == position
        assert source.text[chunk.start_char : chunk.end_char] == chunk.text


def test_chunk_ids_are_stable_and_unique(article_chunks, embedder):
    source, chunks = article_chunks
    again = chunk_source(source, embedder.count_tokens, embedder.max_tokens)
    assert [c.chunk_id for c in again] == [c.chunk_id for c in chunks]
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_a_sentence_longer_than_the_window_is_split_not_truncated(embedder):
    words = " ".join(f"word{i} sciatica" for i in range(400))
    source = Source("t:long", "article", "Long", f"Intro sentence here. {words}. Short end.")
    chunks = chunk_source(source, embedder.count_tokens, embedder.max_tokens)
    assert all(embedder.count_tokens(embedding_text(c)) <= 256 for c in chunks)
    covered = " ".join(c.text for c in chunks)
    assert all(f"word{i} " in covered for i in range(400))


@pytest.mark.skipif(not (SHARED_TESTDATA / "medquad").exists(), reason="shared testdata absent")
def test_real_health_passages_fit_the_window(embedder):
    """300 MedQuAD passages (CC BY 4.0), varied lengths and punctuation."""
    path = SHARED_TESTDATA / "medquad" / "corpus.jsonl"
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in islice(lines, 0, 6000, 20)]
    for row in rows:
        text = re.sub(r"\s+\n", "\n", row["text"]).strip()
        source = Source(row["_id"], "document", row.get("title") or row["_id"], text)
        chunks = chunk_source(source, embedder.count_tokens, embedder.max_tokens)
        for chunk in chunks:
            assert embedder.count_tokens(embedding_text(chunk)) <= 256
        _assert_no_scraps(chunks)


def _assert_no_scraps(chunks):
    """No chunk lies inside its neighbour, and none is a few stray words of a longer source."""
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.end_char > before.end_char, f"{after.text!r} is inside the chunk before"
    if len(chunks) > 1:
        assert min(len(c.text.split()) for c in chunks) >= 5, [c.text for c in chunks]


def test_a_long_list_leaves_no_scrap_chunks(embedder):
    """A real MedQuAD passage whose list runs past the window once made a chunk of the overlap
    sentence alone ("Other times it is permanent.") and one of the list's last word ("drugs).")."""
    rows = (json.loads(line) for line in LISTENER_CORPUS.open(encoding="utf-8"))
    row = next(r for r in rows if r["id"] == "NIHSeniorHealth_0000006_Sec13.txt")
    source = Source(row["id"], "document", row["title"], row["text"])
    chunks = chunk_source(source, embedder.count_tokens, embedder.max_tokens)
    _assert_no_scraps(chunks)
    assert "anti-cancer drugs)." in chunks[-1].text


def test_batched_token_counts_match_single_counts(embedder):
    texts = ["", "L4,L5 disc bulge.", "word " * 300, "Piriformis — “figure 4” stretches."]
    assert embedder.count_tokens_batch(texts) == [embedder.count_tokens(t) for t in texts]
