"""RSS/Atom podcast feeds (feedparser) to `Episode`s: GUID, title, date, link, audio, transcript."""

import calendar
import email.utils
import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import dateutil.parser
import feedparser
from lxml import etree

log = logging.getLogger(__name__)

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# Older feeds declare the namespace without the trailing version or with http.
_PODCAST_NS_PREFIXES = ("https://podcastindex.org/namespace", "http://podcastindex.org/namespace")


class FeedError(Exception):
    """A feed that can't be read at all; nothing from it is ingested."""


@dataclass(frozen=True)
class TranscriptLink:
    """A `podcast:transcript` tag: where the transcript is and in what format."""

    url: str
    mime_type: str
    language: str | None = None
    rel: str | None = None


@dataclass(frozen=True)
class Episode:
    """One feed item, normalised."""

    guid: str
    title: str
    link: str | None
    published: str | None  # ISO 8601 in UTC, e.g. "2020-10-09T04:30:38+00:00"
    audio_url: str | None
    audio_type: str | None
    number: int | None
    description: str  # HTML from content:encoded, else the description/summary
    transcripts: tuple[TranscriptLink, ...] = ()
    duration: int | None = None  # seconds, from itunes:duration (the dry run's estimate)


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its title and link, and its items in feed order."""

    title: str
    link: str | None
    episodes: list[Episode] = field(default_factory=list)


def parse_duration(value: str | None) -> int | None:
    """Seconds in an `itunes:duration` as found in the wild ("1:02:03", "3723", "62:03",
    "00:29:48.21", "1h 2m"); None when it says nothing sensible."""
    if value is None:
        return None
    text = re.sub(r"<[^>]+>", "", value).strip(" \t\n()").lower().replace(",", ".")
    if not text:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return round(float(text))
    if re.fullmatch(r":?\d*(:\d+){1,2}(\.\d+)?", text):
        parts = [p for p in text.lstrip(":").split(":")]
        try:
            numbers = [float(p) if p else 0.0 for p in parts]
        except ValueError:
            return None
        seconds = 0.0
        for n in numbers:
            seconds = seconds * 60 + n
        return round(seconds)
    units = re.findall(r"(\d+(?:\.\d+)?)\s*(h|m|s)[a-z]*", text)
    if units and re.fullmatch(r"(\s*\d+(\.\d+)?\s*[hms][a-z]*\s*)+", text):
        scale = {"h": 3600, "m": 60, "s": 1}
        return round(sum(float(n) * scale[u[0]] for n, u in units))
    return None


def parse_date(value: str | None) -> str | None:
    """ISO 8601 (UTC) of a date string feedparser could not read (`parse_feed` takes
    feedparser's own reading first): Unix timestamps, foreign month names, "May 3, 2013"...;
    None when it is not a date."""
    if not value or not value.strip():
        return None
    text = _date_text(value)
    try:
        if re.fullmatch(r"\d{9,10}", text):  # a Unix timestamp, as some generators write
            dt = datetime.fromtimestamp(int(text), UTC)
        else:
            dt = _lenient_date(text)
            if dt is None:
                return None
            dt = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # year 0, a zone offset of a day or more
        return None
    return _plausible(dt)


def _entry_date(entry: dict) -> str | None:
    """An item's date: its published (else updated) date as feedparser parsed it, or, where
    feedparser could not, as `parse_date` reads the string."""
    key = "published" if entry.get("published") else "updated"
    value, parsed = entry.get(key), entry.get(f"{key}_parsed")
    # feedparser reads a Unix timestamp as a date in the year 1159.
    if parsed is None or not value or re.fullmatch(r"\d{9,10}", _date_text(value)):
        return parse_date(value)
    try:
        return _plausible(datetime.fromtimestamp(calendar.timegm(parsed), UTC))
    except (ValueError, OverflowError):  # year 0, a zone offset of a day or more
        return None


def _date_text(value: str) -> str:
    """A date string without markup, runs of spaces or ordinal suffixes ("31st")."""
    text = " ".join(re.sub(r"<[^>]+>", " ", value).split())
    return re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", text)


def _plausible(dt: datetime) -> str | None:
    # A lenient reading of junk ("0837") lands centuries away; podcasts began in 2004.
    return dt.isoformat() if 1995 <= dt.year <= datetime.now(UTC).year + 1 else None


# Month names in the other languages podcast feeds are written in, as they appear in dates.
_MONTHS = {
    "ene": "Jan",
    "fev": "Feb",
    "abr": "Apr",
    "mai": "May",
    "juin": "Jun",
    "juil": "Jul",
    "ago": "Aug",
    "set": "Sep",
    "out": "Oct",
    "dic": "Dec",
    "dez": "Dec",
    "okt": "Oct",
}


def _lenient_date(text: str) -> datetime | None:
    """A date the RFC 822/ISO parsers reject: foreign month names, "6/20/2014", "May 3, 2013"."""
    words = re.sub(r"\b([A-Za-z]+)\b", lambda m: _MONTHS.get(m.group(1).lower(), m.group(1)), text)
    for candidate in (words, re.sub(r"^[^\d,]*,\s*", "", words)):  # without a weekday
        try:
            return email.utils.parsedate_to_datetime(candidate)
        except (TypeError, ValueError, IndexError):
            pass
        try:
            with warnings.catch_warnings():  # an unknown zone name ("GTM") is read as UTC
                warnings.simplefilter("ignore", dateutil.parser.UnknownTimezoneWarning)
                return dateutil.parser.parse(candidate, tzinfos=_ZONES)
        except (ValueError, OverflowError):
            pass
    return None


_ZONES = {
    "EST": -18000,
    "EDT": -14400,
    "CST": -21600,
    "CDT": -18000,
    "PST": -28800,
    "PDT": -25200,
    "MST": -25200,
    "MDT": -21600,
    "BST": 3600,
    "CET": 3600,
    "CEST": 7200,
}


def _episode_number(*values: str | None) -> int | None:
    for value in values:
        if value and re.fullmatch(r"\s*\d+(\.0+)?\s*", str(value)):
            return int(float(value))
    return None


def _item_extras(data: bytes) -> list[dict]:
    """Per item, in document order: every `podcast:transcript` (feedparser keeps only the last)
    and `podcast:episode`."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data.lstrip(), parser)
    except etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    extras = []
    for item in root.iter("{*}item", "{*}entry", "item", "entry"):
        links, number = [], None
        for child in item:
            if not isinstance(child.tag, str):
                continue
            # `{namespace}name`, or `podcast:name` as lxml's recovery leaves an unbound prefix.
            namespace, _, localname = child.tag[1:].partition("}")
            if not localname:
                namespace, localname = "podcast", child.tag.partition("podcast:")[2]
            if not (namespace == "podcast" or namespace.startswith(_PODCAST_NS_PREFIXES)):
                continue
            if localname == "transcript" and child.get("url"):
                links.append(
                    TranscriptLink(
                        url=child.get("url").strip(),
                        mime_type=(child.get("type") or "").strip().lower(),
                        language=child.get("language"),
                        rel=child.get("rel"),
                    )
                )
            elif localname == "episode":
                number = (child.text or "").strip()
        extras.append({"transcripts": links, "number": number})
    return extras


def parse_feed(data: bytes, url: str = "", content_type: str = "application/xml") -> Feed:
    """Parse a feed's bytes; raise `FeedError` when it is not a feed (HTML, junk, truncated XML
    with no items), so a broken feed never reaches the store."""
    if not data or not data.strip():
        raise FeedError(f"{url or 'feed'}: the feed is empty")
    # A blank line before `<?xml` is a common real-world slip; feedparser rejects the XML
    # declaration then, so drop leading whitespace.
    parsed = feedparser.parse(
        data.lstrip(), response_headers={"content-location": url, "content-type": content_type}
    )
    if not parsed.version and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom feed found"
        raise FeedError(f"{url or 'feed'}: not a readable RSS/Atom feed ({reason})")
    if parsed.bozo:
        exc = parsed.bozo_exception
        # Two slips are common and harmless: an undeclared namespace prefix (`itunes:` without
        # xmlns) and a wrong declared charset. Anything else means the XML is broken (cut
        # short, mismatched tags), and half a feed must not be mistaken for the whole one.
        harmless = isinstance(exc, feedparser.CharacterEncodingOverride) or "unbound prefix" in str(
            exc
        )
        if not harmless:
            raise FeedError(f"{url or 'feed'}: malformed feed, not well-formed XML ({exc})")
        log.info("%s: %s; reading it anyway", url or "feed", exc)
    extras = _item_extras(data)
    if len(extras) != len(parsed.entries):
        extras = [{"transcripts": [], "number": None}] * len(parsed.entries)
    pairs = zip(parsed.entries, extras, strict=True)
    episodes = [_episode(entry, extra, url) for entry, extra in pairs]
    channel = parsed.feed
    return Feed(
        title=str(channel.get("title") or url),
        link=channel.get("link") or None,
        episodes=episodes,
    )


def _episode(entry: dict, extra: dict, base: str) -> Episode:
    # Some feeds carry their audio only as Media RSS `media:content`.
    listed = entry.get("enclosures") or entry.get("media_content") or []
    enclosures = [e for e in listed if (e.get("href") or e.get("url") or "").strip()]
    audio = next(
        (e for e in enclosures if str(e.get("type", "")).startswith(("audio", "video"))),
        enclosures[0] if enclosures else None,
    )
    audio_url = urljoin(base, (audio.get("href") or audio.get("url")).strip()) if audio else None
    link = entry.get("link") or None
    if link and link == audio_url:
        link = None  # some feeds point the item link at the audio file
    content = entry.get("content") or []
    description = content[0].get("value", "") if content else entry.get("summary", "")
    title = str(entry.get("title") or "").strip()
    guid = str(entry.get("id") or link or audio_url or title).strip()
    transcripts = tuple(
        TranscriptLink(urljoin(base, t.url), t.mime_type, t.language, t.rel)
        for t in extra["transcripts"]
    )
    return Episode(
        guid=guid,
        title=title or "Untitled episode",
        link=urljoin(base, link) if link else None,
        published=_entry_date(entry),
        audio_url=audio_url,
        audio_type=(audio.get("type") or None) if audio else None,
        number=_episode_number(extra["number"], entry.get("itunes_episode")),
        description=description or "",
        transcripts=transcripts,
        duration=parse_duration(entry.get("itunes_duration")),
    )
