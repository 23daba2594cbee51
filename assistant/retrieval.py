"""Retrieval: a question to the store's most similar passages, as a LangChain retriever."""

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.embedder import Embedder
from assistant.records import Chunk, Passage
from assistant.store import Store


class DenseRetriever(BaseRetriever):
    """Nearest chunks by cosine similarity of all-MiniLM-L6-v2 embeddings."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    store: Store
    embedder: Embedder
    k: int = 6

    def passages(self, query: str) -> list[Passage]:
        """The `k` best passages for `query`, best first, each with its similarity."""
        return self.store.query(self.embedder.embed_query(query), self.k)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [to_document(p) for p in self.passages(query)]


def to_document(passage: Passage) -> Document:
    """A passage as a LangChain document; the score and chunk id ride in the metadata."""
    metadata = {
        **passage.chunk.metadata(),
        "chunk_id": passage.chunk.chunk_id,
        "score": passage.score,
    }
    return Document(page_content=passage.chunk.text, metadata=metadata, id=passage.chunk.chunk_id)


def from_document(doc: Document) -> Passage:
    """The passage a `to_document` document came from."""
    meta = dict(doc.metadata)
    score = float(meta.pop("score", 0.0))
    chunk_id = meta.pop("chunk_id", doc.id or "")
    return Passage(Chunk.from_store(chunk_id, doc.page_content, meta), score)
