"""What goes wrong with a source, for the person running ingest; imported by every reader."""

from dataclasses import dataclass


class SourceError(Exception):
    """A source that can't be ingested; the message says why, for the person running ingest."""


@dataclass(frozen=True)
class Failure:
    """A source that was skipped, and why. Its earlier chunks, if any, are kept."""

    origin: str
    message: str
    source_id: str | None = None
