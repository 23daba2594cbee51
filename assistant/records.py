"""Small records passed between the layers: sources, chunks, passages, citations, answers."""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Source:
    """One document as ingested: an article, a transcript or a feed item's text."""

    source_id: str
    kind: str  # "article" | "transcript" | "episode" | "document"
    title: str
    text: str
    url: str | None = None
    origin: str | None = None  # the file path or URL it was read from
    episode: int | None = None  # the feed's episode number
    published: str | None = None  # ISO 8601 date the episode was published
    audio_url: str | None = None  # the episode's audio (or video) enclosure
    # For transcripts: (char offset in `text`, start s, end s, speaker) for each segment.
    timeline: tuple[tuple[int, float | None, float | None, str | None], ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A passage of a source small enough for the embedder, with where it came from."""

    chunk_id: str
    source_id: str
    kind: str
    title: str
    text: str
    position: int
    start_char: int
    end_char: int
    url: str | None = None
    section: str | None = None
    start_seconds: float | None = None
    end_seconds: float | None = None
    speaker: str | None = None
    episode: int | None = None
    published: str | None = None
    audio_url: str | None = None  # a transcript's media; its moment link is made when shown
    times: str | None = None  # a transcript's cue/sentence starts in it (assistant/moments.py)

    def metadata(self) -> dict:
        """Chroma metadata: every field but the text and id, without empty values."""
        data = asdict(self)
        del data["text"], data["chunk_id"]
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_store(cls, chunk_id: str, text: str, metadata: dict) -> "Chunk":
        """Rebuild a chunk from what the store returns."""
        known = {f for f in cls.__dataclass_fields__ if f not in ("chunk_id", "text")}
        return cls(
            chunk_id=chunk_id, text=text, **{k: v for k, v in metadata.items() if k in known}
        )


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk scored against the question (cosine similarity, plus the keyword
    bonus in hybrid mode; higher is closer)."""

    chunk: Chunk
    score: float
    # The part of `score` that only says the passage is about what was asked (it holds every
    # word of the question): the relevance gate counts it, ranking passages against each
    # other does not, since it lifts any passage that happens to hold the words.
    about: float = 0.0
    # The embedding's cosine alone, where `score` adds keyword evidence to it (hybrid).
    cosine: float | None = None

    @property
    def similarity(self) -> float:
        """How close the passage's embedding is to the question's, keywords aside."""
        return self.score if self.cosine is None else self.cosine

    @property
    def match(self) -> float:
        """How well the passage matches the question, for ranking it against others: its score
        without the gate's `about` part."""
        return self.score - self.about


@dataclass(frozen=True)
class Citation:
    """A numbered source under an answer: `[n]` in the text points here."""

    n: int
    source_id: str
    title: str
    url: str | None
    quote: str
    chunk_id: str
    start_seconds: float | None = None
    episode: int | None = None  # for the "Ep. 42 · 12:34" label of a transcript moment
    audio_url: str | None = None  # with start_seconds, where the moment plays
    section: str | None = None  # the heading of the article section quoted


@dataclass(frozen=True)
class Answer:
    """What the assistant says, and the sources the `[n]` markers in it refer to."""

    text: str
    refused: bool
    sources: list[Citation] = field(default_factory=list)
    urgent: bool = False  # a red-flag symptom: the text is the urgent-care message
    # False when the question names something the podcast never mentions: the answer is the
    # nearest it covers, labelled as such.
    exact: bool = True
