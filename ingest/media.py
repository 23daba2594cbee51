"""Episode media (audio or video files): which files are media, and checking that one holds
readable audio before it is transcribed."""

from pathlib import Path

from ingest.errors import SourceError

MEDIA_SUFFIXES = frozenset({".mp3", ".m4a", ".wav", ".ogg", ".opus", ".mp4", ".webm", ".mkv"})


def probe(path: Path) -> float:
    """Seconds of audio the file's container declares (0.0 when it does not say); `SourceError`
    when it is not a readable audio or video file or holds no audio."""
    import av

    try:
        with av.open(str(path)) as container:
            streams = container.streams.audio
            if not streams:
                raise SourceError(f"{path.name}: no audio in this file")
            stream = streams[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            return container.duration / 1_000_000 if container.duration else 0.0
    except SourceError:
        raise
    except Exception as exc:  # PyAV raises many FFmpeg error types for a file it can't read
        raise SourceError(f"{path.name}: not a readable audio or video file ({exc})") from exc


def check_complete(path: Path, declared: float, decoded: float) -> None:
    """`SourceError` when far less audio decoded than the container declares: a truncated
    download or file, whose transcript would silently stop early."""
    if declared > 0 and decoded < declared * 0.9 - 1.0:
        raise SourceError(
            f"{path.name}: truncated: {decoded:.0f}s of audio decoded of the {declared:.0f}s "
            "the file declares"
        )
