"""Passages as LangChain documents, for the retrievers in `hybrid.py`."""

from langchain_core.documents import Document

from assistant.records import Passage


def to_document(passage: Passage) -> Document:
    """A passage as a LangChain document; the score and chunk id ride in the metadata."""
    metadata = {
        **passage.chunk.metadata(),
        "chunk_id": passage.chunk.chunk_id,
        "score": passage.score,
    }
    return Document(page_content=passage.chunk.text, metadata=metadata, id=passage.chunk.chunk_id)
