"""Reading local files: encodings, sizes, HTML and Markdown, with clear errors."""

import pytest

from ingest.chunking import chunk_source
from ingest.clean import cut_title
from ingest.files import SourceError, load_file, load_files


def test_non_utf8_text_is_decoded_not_lost(tmp_path, caplog):
    path = tmp_path / "cp1252.txt"
    text = "Sciatica café notes\n\nThe “figure 4” stretch bends the back — avoid it when flared."
    path.write_bytes(text.encode("cp1252"))
    source = load_file(path, tmp_path, 10_000)
    assert "“figure 4”" in source.text and "—" in source.text
    assert "not UTF-8" in caplog.text


@pytest.mark.parametrize(
    ("content", "limit", "message"),
    [(b"", 10_000, "empty"), (b"x" * 2000, 1000, "limit"), (b"\n\n  \n", 1000, "nothing left")],
)
def test_unreadable_files_raise_a_clear_error(tmp_path, content, limit, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        load_file(path, tmp_path, limit)


def test_markdown_title_and_text(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# Hip Hinge Basics\n\nKeep a **neutral** spine, see [the video](http://x).\n")
    source = load_file(path, tmp_path, 10_000)
    assert source.title == "Hip Hinge Basics"
    assert source.text == "Keep a neutral spine, see the video."
    assert source.source_id == "file:note.md"


def test_hostile_html_keeps_text_and_drops_scripts(tmp_path):
    path = tmp_path / "evil.html"
    path.write_text(
        "<html><head><title>Evil <b>page</b></title></head><body><article>"
        "<p>The squat rebuilds hip strength when the spine stays neutral and braced.</p>"
        "<script>alert(1)</script><img src=x onerror=alert(2)>"
        "<p>Step ups train the glutes for stairs and daily life without bending.</p>"
        "</article></body></html>"
    )
    source = load_file(path, tmp_path, 10_000)
    assert "squat rebuilds hip strength" in source.text
    assert "alert" not in source.text and "onerror" not in source.text


def test_sidecar_metadata_overrides_the_guess(tmp_path):
    path = tmp_path / "ep.txt"
    path.write_text("Some first line\n\nBody text about the back.\n")
    (tmp_path / "ep.txt.meta.json").write_text(
        '{"title": "Episode 12", "kind": "transcript", "url": "https://example.org/ep12"}'
    )
    source = load_file(path, tmp_path, 10_000)
    assert (source.title, source.kind, source.url) == (
        "Episode 12",
        "transcript",
        "https://example.org/ep12",
    )


def test_broken_sidecar_is_an_error(tmp_path):
    path = tmp_path / "ep.txt"
    path.write_text("Body text about the back.\n")
    (tmp_path / "ep.txt.meta.json").write_text("{not json")
    with pytest.raises(SourceError, match="not valid JSON"):
        load_file(path, tmp_path, 10_000)


def test_binary_file_is_an_error(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_bytes(b"\x00\xff\xfe\x00" * 50)
    with pytest.raises(SourceError, match="binary"):
        load_file(path, tmp_path, 10_000)


def test_utf16_with_bom_is_read(tmp_path):
    path = tmp_path / "u16.txt"
    path.write_bytes("Title\n\nHip hinges build hamstring strength.".encode("utf-16"))
    assert load_file(path, tmp_path, 10_000).text == "Hip hinges build hamstring strength."


def test_sidecar_beside_the_file_without_its_extension_is_read(tmp_path):
    path = tmp_path / "ep.txt"
    path.write_text("Some first line\n\nBody text about the back.\n")
    (tmp_path / "ep.meta.json").write_text('{"title": "Episode 12"}')
    assert load_file(path, tmp_path, 10_000).title == "Episode 12"


def test_an_orphan_sidecar_is_warned_of(tmp_path, caplog):
    (tmp_path / "ep.txt").write_text("Body text about the back.\n")
    (tmp_path / "gone.meta.json").write_text('{"title": "Nothing"}')
    (tmp_path / "ep.meta.json").write_text('{"title": "Episode"}')
    (sources, _) = load_files([tmp_path], 10_000)
    assert [s.title for s in sources] == ["Episode"]
    assert "gone.meta.json" in caplog.text and "ep.meta.json" not in caplog.text


def test_a_paragraph_for_a_title_is_cut_and_the_page_kept(tmp_path, fake_embedder):
    paragraph = "Stretching your hips every morning keeps the lower back happy " * 30
    path = tmp_path / "page.html"
    path.write_text(
        f"<html><head><title>{paragraph}</title></head><body><article>"
        "<p>The squat rebuilds hip strength when the spine stays neutral and braced.</p>"
        "</article></body></html>"
    )
    source = load_file(path, tmp_path, 100_000)
    assert len(source.title) <= 150 and source.title.endswith("your hips…")
    chunks = chunk_source(source, fake_embedder.count_tokens, fake_embedder.max_tokens)
    assert any("squat rebuilds" in c.text for c in chunks)


def test_cut_title_stops_at_a_word_boundary():
    assert cut_title("short  title\n") == "short title"
    assert cut_title("alpha beta gamma", 12) == "alpha beta…"
    assert cut_title("alphabetagamma", 8) == "alphabe…"
