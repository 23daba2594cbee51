"""Speech-to-text speed and accuracy on this machine: espeak-ng reads a known text for at least
`--minutes` of speech, each packaged Whisper model (tiny.en, base) transcribes it as ingest
does, and the script prints real-time factor, the minutes a 60-minute episode would take, and
the word error rate. Run by hand (needs espeak-ng): `python bench/transcribe.py`. On a busy
machine the wall-clock RTF is noisy; the CPU seconds per audio second are steadier."""

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: import this checkout's packages
sys.path.insert(0, str(REPO / "tests"))  # the espeak helpers the tests use

from speech import ESPEAK, OPENING, TARGET, join, seconds, speak, to_m4a  # noqa: E402

from assistant.settings import Settings  # noqa: E402
from ingest.asr import Recognizer, sentences, word_error_rate  # noqa: E402


def long_speech(folder: Path, minutes: float) -> tuple[Path, str]:
    """The test text read over and over, a short pause between readings, as an m4a of at least
    `minutes` of audio; and the text it speaks."""
    one = folder / "one.wav"
    speak(OPENING + "\n\n" + TARGET, one)
    repeats = max(1, int(minutes * 60 / (seconds(one) + 1.0)) + 1)
    wav, m4a = folder / "long.wav", folder / "long.m4a"
    join([p for _ in range(repeats) for p in (one, 1.0)], wav)
    to_m4a(wav, m4a)
    return m4a, "\n\n".join([OPENING + "\n\n" + TARGET] * repeats)


def main() -> None:
    """Print a line per model: audio length, wall time, RTF, minutes per hour, WER."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=5.0, help="speech to transcribe")
    parser.add_argument("--models", default="tiny.en,base", help="comma-separated asr_model")
    args = parser.parse_args()
    if ESPEAK is None:
        sys.exit("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        media, text = long_speech(folder, args.minutes)
        print(f"speech: {seconds(folder / 'long.wav') / 60:.1f} min of espeak-ng, {media.name}")
        for model in args.models.split(","):
            recognizer = Recognizer(Settings(data_dir=folder / "data", asr_model=model))
            recognizer._load()  # loading is paid once per process, not per episode
            started, cpu = time.perf_counter(), time.process_time()
            words, duration = recognizer.words(media)
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
            heard = " ".join(s.text for s in sentences(words))
            rtf = took / duration
            print(
                f"{model:8s} {duration / 60:5.1f} min of audio in {took:6.1f} s: RTF {rtf:.3f}, "
                f"{rtf * 60:4.1f} min per 60-min episode, WER {word_error_rate(text, heard):.1%}; "
                f"CPU {cpu:.0f} s ({cpu / duration:.3f} CPU-s per audio s; on an idle machine "
                "the wall time lies between the CPU time and that over the cores)"
            )


if __name__ == "__main__":
    main()
