"""Quote to second: a citation links to where the quoted sentence is said, not to where its
chunk starts, for tag-provided transcripts as for transcribed ones."""

from fake_embedder import assistant_with

from assistant.links import moment_url
from assistant.moments import quote_seconds
from assistant.records import Chunk
from assistant.settings import Settings
from assistant.store import Store
from ingest.sync import run_ingest
from ui.render import source_link

# One chunk's worth of talk opening at 00:00:01; the bird-dog advice is said at 00:12:34.
VTT = """WEBVTT

00:00:01.000 --> 00:00:09.000
<v Rick>Welcome back. Today we talk about core exercises you can do on the floor at home.

00:00:09.000 --> 00:00:20.000
<v Rick>We get a lot of questions about planks, dead bugs and side bridges from listeners.

00:12:20.000 --> 00:12:34.000
<v Jess>Start on your hands and knees, with your hands under your shoulders.

00:12:34.000 --> 00:12:40.000
<v Jess>Hold each bird dog for about ten seconds, then switch sides.

00:12:40.000 --> 00:12:47.000
<v Jess>Keep your back flat like a table the whole time.
"""


def test_the_quoted_line_at_12_34_is_cited_at_754(tmp_path, fake_embedder):
    folder = tmp_path / "talks"
    folder.mkdir()
    (folder / "ep2.vtt").write_text(VTT)
    (folder / "ep2.vtt.meta.json").write_text(
        '{"title": "Core Week", "episode": 2, "audio_url": "https://cdn.example/ep2.mp3"}'
    )
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "none")
    store = Store(settings)
    run_ingest(settings, [folder], store=store, embedder=fake_embedder, progress=False)
    (chunk,) = store.all_chunks()
    assert chunk.start_seconds == 1.0  # the chunk opens at the welcome: linking there is wrong

    answer = assistant_with(fake_embedder, settings, store).answer(
        "how long should I hold each bird dog before I switch sides?"
    )
    (cited,) = [c for c in answer.sources if "ten seconds" in c.quote]
    assert "**Hold each bird dog for about ten seconds, then switch sides.**" in answer.text
    assert cited.start_seconds == 754.0
    assert source_link(cited) == "https://cdn.example/ep2.mp3#t=754"


def test_a_quote_is_timed_by_the_cue_it_starts_in():
    chunk = Chunk(
        "c",
        "s",
        "transcript",
        "T",
        "One two three. Four five six. Seven.",
        0,
        0,
        36,
        start_seconds=10.0,
        times="[[0,10.0],[15,20.5],[30,31.0]]",
    )
    assert quote_seconds(chunk, "One two three.") == 10.0
    assert quote_seconds(chunk, "Four five six. Seven.") == 20.5
    assert quote_seconds(chunk, "One two three. Four five six.", focus="Four five six.") == 20.5
    assert quote_seconds(chunk, "five six.") == 20.5  # inside a cue: that cue's start
    assert quote_seconds(chunk, "not in it") == 10.0  # unknown words: the chunk's start
    untimed = Chunk("c", "s", "article", "T", "One two.", 0, 0, 8)
    assert quote_seconds(untimed, "One two.") is None


def test_youtube_episodes_link_to_the_second():
    watch = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL1"
    assert moment_url(watch, "https://cdn.example/ep.mp3", 754.9) == (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=754s"
    )
    assert moment_url("https://youtu.be/dQw4w9WgXcQ", None, 60) == (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=60s"
    )
    # Not a watch link: the audio with a media fragment, as before.
    assert moment_url("https://www.youtube.com/@channel", "https://cdn.example/a.mp3", 5) == (
        "https://cdn.example/a.mp3#t=5"
    )
    assert moment_url(watch, None, None) == watch


def test_an_excerpt_read_across_two_chunks_keeps_the_second_ones_times():
    from assistant.answering.passage_runs import joined

    text = "Aa aa. Bb bb. Cc cc. Dd dd."  # sentences at 0, 7, 14, 21
    first = Chunk("a", "s", "transcript", "T", text[:13], 0, 0, 13, start_seconds=5.0,
                  times="[[0,5.0],[7,9.0]]")  # fmt: skip
    second = Chunk("b", "s", "transcript", "T", text[7:], 1, 7, 27, start_seconds=9.0,
                   times="[[0,9.0],[7,30.0],[14,41.5]]")  # fmt: skip
    both = joined(first, second)
    assert both.text == text
    assert [quote_seconds(both, s) for s in ("Aa aa.", "Bb bb.", "Cc cc.", "Dd dd.")] == [
        5.0,
        9.0,
        30.0,
        41.5,
    ]


def test_an_llm_sentence_is_timed_by_the_transcript_sentence_it_words_differently():
    from assistant.citations import cite_claims
    from assistant.records import Passage

    chunk = Chunk(
        "c", "s", "transcript", "Core Week",
        "Welcome back to the show. Hold each bird dog for about ten seconds. Then switch sides.",
        0, 0, 86, start_seconds=1.0, times="[[0,1.0],[26,754.0],[67,760.0]]",
    )  # fmt: skip
    answer = cite_claims(
        [("Each bird dog is held for roughly ten seconds.", [Passage(chunk, 0.8)])]
    )
    assert answer.sources[0].start_seconds == 754.0
    assert answer.sources[0].quote == chunk.text  # an LLM answer still quotes the whole passage
