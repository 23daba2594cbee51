"""Ingest chunks the next group of sources while the model embeds this one."""

import threading

from fake_embedder import FakeEmbedder

from assistant.records import Source
from assistant.settings import Settings
from assistant.store import Store
from ingest.pipeline import GROUP_CHUNKS, ingest_sources


def _text(i: int) -> str:
    return " ".join(f"Strong hips protect the lower back in lift {i}-{j}." for j in range(120))


class Watching(FakeEmbedder):
    """Holds its first encode until a source of a later group has been chunked meanwhile."""

    def __init__(self, later_title: str) -> None:
        super().__init__()
        self.later_title = later_title
        self.later_chunked = threading.Event()
        self.overlapped: list[bool] = []
        self.chunking_threads: set[str] = set()

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        self.chunking_threads.add(threading.current_thread().name)
        if any(t.startswith(self.later_title) for t in texts):
            self.later_chunked.set()
        return super().count_tokens_batch(texts)

    def encode(self, texts, batch_size: int = 64):
        if not self.overlapped:  # the first group: is the next one being chunked meanwhile?
            self.overlapped.append(self.later_chunked.wait(timeout=30))
        return super().encode(texts, batch_size)


def test_the_next_group_is_chunked_while_this_one_is_embedded(tmp_path):
    # Each source makes several chunks, so a few sources fill more than one commit group.
    sources = [Source(f"s{i}", "article", f"Title {i}", _text(i)) for i in range(24)]
    embedder = Watching(later_title="Title 23")
    store = Store(Settings(data_dir=tmp_path / "data"))
    report = ingest_sources(sources, store, embedder, progress=False)
    assert report.added == 24 and report.chunks_embedded == store.count() > 2 * GROUP_CHUNKS
    assert embedder.overlapped == [True]
    assert embedder.chunking_threads == {"ingest-ahead"}
