"""Real speech for the transcription tests and benchmark: Debian's espeak-ng reading a known
text, silence where asked, encoded to m4a with PyAV (the decoder faster-whisper uses)."""

import array
import shutil
import subprocess
import wave
from pathlib import Path

ESPEAK = shutil.which("espeak-ng")
RATE = 22050  # espeak-ng's own sample rate

# Spoken before the pause; plain words (Whisper writes numbers as digits).
OPENING = (
    "Welcome back to the show. Today we answer questions from our listeners about lower back "
    "pain. Many of you wrote in about sitting at a desk all day. When you sit for hours, your "
    "hip flexors get short and tight, and they pull on your lower back.\n\n"
    "So what can you do about it? Get up and walk around every half hour. Stand up when you "
    "take a phone call. And when you do sit, keep both feet flat on the floor.\n\n"
    "Another listener asked about sleeping positions. Sleeping on your side with a pillow "
    "between your knees keeps your spine in line."
)
# Spoken alone after the pause, at a known offset: the passage a question should cite.
TARGET = (
    "Hold each bird dog for about ten seconds, then switch sides. Keep your back flat like a "
    "table while you reach with the opposite arm and leg."
)


def speak(text: str, wav: Path, words_per_minute: int = 160) -> None:
    """`text` read by espeak-ng into a 16-bit mono WAV file."""
    subprocess.run(
        [ESPEAK, "-v", "en-us", "-s", str(words_per_minute), "-w", str(wav), text],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _samples(wav: Path) -> array.array:
    with wave.open(str(wav)) as fh:
        assert fh.getframerate() == RATE and fh.getsampwidth() == 2 and fh.getnchannels() == 1
        return array.array("h", fh.readframes(fh.getnframes()))


def join(pieces: list[Path | float], out: Path) -> None:
    """WAV files and silences (seconds) one after another, as one WAV file."""
    samples = array.array("h")
    for piece in pieces:
        if isinstance(piece, Path):
            samples.extend(_samples(piece))
        else:
            samples.extend([0] * round(piece * RATE))
    with wave.open(str(out), "wb") as fh:
        fh.setnchannels(1)
        fh.setsampwidth(2)
        fh.setframerate(RATE)
        fh.writeframes(samples.tobytes())


def seconds(wav: Path) -> float:
    """Length of a WAV file."""
    with wave.open(str(wav)) as fh:
        return fh.getnframes() / fh.getframerate()


def to_m4a(wav: Path, out: Path) -> None:
    """The WAV file encoded as AAC in an MP4 container (a podcast enclosure's format)."""
    import av

    with av.open(str(wav)) as source, av.open(str(out), "w", format="mp4") as target:
        stream = target.add_stream("aac", rate=RATE)
        stream.layout = "mono"
        for frame in source.decode(audio=0):
            frame.pts = None
            for packet in stream.encode(frame):
                target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)


def make_clip(folder: Path, target_at: float = 45.0) -> dict:
    """OPENING, silence, then TARGET starting exactly `target_at` seconds in: WAV and m4a."""
    folder.mkdir(parents=True, exist_ok=True)
    opening, target = folder / "opening.wav", folder / "target.wav"
    speak(OPENING, opening)
    speak(TARGET, target)
    pause = target_at - seconds(opening)
    assert pause >= 1.0, f"the opening is longer than {target_at}s; move the target later"
    wav, m4a = folder / "clip.wav", folder / "clip.m4a"
    join([opening, pause, target, 1.0], wav)
    to_m4a(wav, m4a)
    return {"wav": wav, "m4a": m4a, "text": OPENING + "\n\n" + TARGET, "target_at": target_at}
