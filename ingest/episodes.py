"""A podcast feed to `Source`s: each episode's article page (or the feed's own text) and its
transcript, downloaded concurrently; a broken page or transcript is a `Failure`, not a crash."""

import logging
from dataclasses import replace

import lxml.html
import trafilatura

from assistant.records import Source
from ingest.asr import PAUSE
from ingest.clean import cut_title, normalize_text, strip_furniture, web_link
from ingest.errors import Failure, SourceError
from ingest.feeds import Episode, Feed, FeedError, TranscriptLink, parse_feed
from ingest.fetch import Fetched, Fetcher
from ingest.hosts import host_and_port
from ingest.transcribe import Transcriber, is_media
from ingest.transcripts import PREFERENCE, assemble, parse_transcript, transcript_format

log = logging.getLogger(__name__)

_PAGE_TYPES = {"", "text/html", "application/xhtml+xml", "text/plain"}
# What a server may call each transcript format. Types that say nothing ("" or octet-stream)
# are accepted only where the parser checks the structure; a plain-text or HTML transcript
# must come as one, so a JSON or HTML body is never stored verbatim as a transcript.
_UNTYPED = {"", "application/octet-stream", "binary/octet-stream"}
_TRANSCRIPT_TYPES = {
    "vtt": {"text/vtt", "text/plain"} | _UNTYPED,
    "srt": {"application/x-subrip", "application/srt", "text/srt", "text/plain"} | _UNTYPED,
    "json": {"application/json", "text/json", "text/plain"} | _UNTYPED,
    "html": {"text/html", "application/xhtml+xml"},
    "text": {"text/plain"},
}


def media_type(content_type: str) -> str:
    """`text/html` of `Text/HTML; charset=utf-8`."""
    return content_type.split(";")[0].strip().lower()


def article_id(episode: Episode) -> str:
    """Source id of an episode's article (its page, or the feed's text for it)."""
    return f"episode:{episode.guid}"


def transcript_id(episode: Episode) -> str:
    """Source id of an episode's transcript."""
    return f"episode:{episode.guid}#transcript"


def pick_transcript(episode: Episode) -> tuple[TranscriptLink, str] | None:
    """The richest transcript the item declares that we can read, and its format."""
    readable = []
    for link in episode.transcripts:
        fmt = transcript_format(link.mime_type, link.url)
        if fmt:
            readable.append((PREFERENCE.index(fmt), link, fmt))
    if not readable:
        return None
    _, link, fmt = min(readable, key=lambda r: r[0])
    return link, fmt


def page_text(fetched: Fetched) -> str:
    """Main text of an article page; `SourceError` if it is empty, not HTML or has no article."""
    url = fetched.url
    if not fetched.body.strip():
        raise SourceError(f"{url}: the page is empty")
    if media_type(fetched.content_type) not in _PAGE_TYPES:
        raise SourceError(f"{url}: not a web page ({fetched.content_type})")
    text = trafilatura.extract(
        fetched.body,
        include_comments=False,
        include_tables=True,
        include_links=False,
        favor_recall=True,
    )
    if not text or not text.strip():
        raise SourceError(f"{url}: no readable article text on the page")
    return text


def description_text(html: str) -> str:
    """Plain text of a feed item's HTML description or `content:encoded`."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return normalize_text(html)
    for junk in root.xpath("//script|//style"):
        junk.drop_tree()
    for block in root.xpath("//p|//br|//li|//h1|//h2|//h3|//h4|//div"):
        block.tail = "\n\n" + (block.tail or "")
    return normalize_text(root.text_content())


def web_links_only(episode: Episode, feed_url: str) -> Episode:
    """The episode with only its http(s) links: a `javascript:` or `data:` item link, audio or
    transcript URL is dropped with a warning (the item may still be read from its text)."""
    where = f"{feed_url}: item {episode.guid!r}"
    audio_url = web_link(episode.audio_url, "audio URL", where)
    return replace(
        episode,
        link=web_link(episode.link, "item link", where),
        audio_url=audio_url,
        audio_type=episode.audio_type if audio_url else None,
        transcripts=tuple(
            t for t in episode.transcripts if web_link(t.url, "transcript URL", where)
        ),
    )


def _base(episode: Episode, feed_url: str) -> dict:
    return {
        "url": episode.link or episode.audio_url,
        "origin": feed_url,  # prune by feed: sources it no longer lists
        "episode": episode.number,
        "published": episode.published,
        "audio_url": episode.audio_url,
    }


def load_feed(
    feed_url: str, fetcher: Fetcher, transcriber: Transcriber | None = None
) -> tuple[Feed, list[Source], list[Failure]]:
    """Every episode of the feed at `feed_url` as sources; `FeedError` if the feed itself can't
    be downloaded or parsed (then nothing at all should be ingested). With a `transcriber`, an
    episode with media and no readable transcript is transcribed."""
    try:
        fetched = fetcher.fetch(feed_url)
    except SourceError as exc:
        raise FeedError(str(exc)) from exc
    feed = parse_feed(fetched.body, feed_url, fetched.content_type or "application/xml")
    feed = replace(feed, episodes=[web_links_only(e, feed_url) for e in feed.episodes])
    pages = [e.link for e in feed.episodes if e.link]
    chosen = {e.guid: pick_transcript(e) for e in feed.episodes}
    transcripts = [c[0].url for c in chosen.values() if c]
    # Links to the feed's own host are the owner's; any other must resolve to public addresses.
    downloads = fetcher.fetch_many(pages + transcripts, trusted={host_and_port(feed_url)})

    sources: list[Source] = []
    failures: list[Failure] = []
    for episode in feed.episodes:
        base = _base(episode, feed_url)
        try:
            sources.append(_article(episode, downloads, base))
        except SourceError as exc:
            failures.append(Failure(episode.link or feed_url, str(exc), article_id(episode)))
        except _NoText:
            log.info("%s: no page and no description; nothing to ingest", episode.title)
        if chosen[episode.guid]:
            link, fmt = chosen[episode.guid]
            try:
                sources.append(_transcript(episode, link, fmt, downloads[link.url], base))
            except SourceError as exc:
                failures.append(Failure(link.url, str(exc), transcript_id(episode)))
        elif transcriber and is_media(episode.audio_url, episode.audio_type):
            try:
                sources += _transcribed(episode, transcriber, fetcher, feed_url, base)
            except SourceError as exc:
                failures.append(Failure(episode.audio_url, str(exc), transcript_id(episode)))
    return feed, sources, failures


def _transcribed(
    episode: Episode, transcriber: Transcriber, fetcher: Fetcher, feed_url: str, base: dict
) -> list[Source]:
    """The episode's own speech as its transcript (none in a dry run that would transcribe)."""
    segments = transcriber.episode_segments(
        episode.audio_url,
        episode.title,
        fetcher,
        trusted={host_and_port(feed_url)},  # the same rule as the feed's other links
        duration=episode.duration,
    )
    if segments is None:
        return []
    text, timeline = assemble(segments, pause=PAUSE)
    title = cut_title(episode.title)
    return [Source(transcript_id(episode), "transcript", title, text, timeline=timeline, **base)]


class _NoText(Exception):
    pass


def _article(episode: Episode, downloads: dict, base: dict) -> Source:
    if episode.link:
        result = downloads[episode.link]
        if isinstance(result, SourceError):
            raise result
        raw = page_text(result)
    else:
        raw = description_text(episode.description)
        if not raw:
            raise _NoText
    text = strip_furniture(raw, episode.title)
    if not text:
        raise SourceError(f"{episode.link or episode.title}: nothing left after cleaning")
    kind = "article" if episode.link else "episode"
    return Source(article_id(episode), kind, cut_title(episode.title), text, **base)


def _transcript(episode: Episode, link: TranscriptLink, fmt: str, result, base: dict) -> Source:
    if isinstance(result, SourceError):
        raise result
    served = media_type(result.content_type)
    if served not in _TRANSCRIPT_TYPES[fmt] and not (fmt == "json" and served.endswith("+json")):
        raise SourceError(f"{link.url}: served as {served or 'untyped'}, not a {fmt} transcript")
    text, timeline = assemble(parse_transcript(result.body, fmt, link.url))
    return Source(
        transcript_id(episode),
        "transcript",
        cut_title(episode.title),
        text,
        timeline=timeline,
        **base,
    )
