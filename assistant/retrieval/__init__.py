"""The retrieval room: BM25 keyword index, dense search, their fusion, as a LangChain retriever."""

from assistant.retrieval.hybrid import HybridRetriever

__all__ = ["HybridRetriever"]
