"""The store room: chunks and vectors in Chroma (embedded or a server), a record per source."""

from assistant.store.chroma import Store, StoreError, open_client
from assistant.store.source_records import SourceRecord

__all__ = ["SourceRecord", "Store", "StoreError", "open_client"]
