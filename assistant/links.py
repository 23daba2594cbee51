"""Links: which URLs may be shown at all (http and https only), links to a moment in an
episode (`#t=754`) and their labels ("Ep. 42 · 12:34")."""

import re
from urllib.parse import parse_qs, urldefrag, urlsplit

WEB_SCHEMES = frozenset({"http", "https"})
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{6,20}")


def web_url(value: object) -> str | None:
    """`value` as a link a page may show: an absolute http(s) URL with a host, else None
    (never `javascript:`, `data:`, `file:` or a relative path)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    if parts.scheme.lower() in WEB_SCHEMES and parts.netloc and url.isprintable():
        return url
    return None


def format_timestamp(seconds: float) -> str:
    """A player-style clock: "12:34", or "1:02:03" past the hour."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def youtube_id(url: str | None) -> str | None:
    """The video id of a YouTube watch link (`youtube.com/watch?v=ID`, `youtu.be/ID`)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    if host == "youtube.com" and parts.path == "/watch":
        found = parse_qs(parts.query).get("v", [None])[0]
    elif host == "youtu.be":
        found = parts.path.strip("/").split("/")[0]
    else:
        return None
    return found if found and _VIDEO_ID.fullmatch(found) else None


def moment_url(link: str | None, audio_url: str | None, seconds: float | None) -> str | None:
    """Where to hear `seconds` into an episode: a YouTube episode at `&t=754s`, else the audio
    with a media fragment (browsers seek to it), else the episode page with the same fragment;
    without a time, the page itself."""
    if seconds is None:
        return link or audio_url
    video = youtube_id(link)
    if video:
        return f"https://www.youtube.com/watch?v={video}&t={int(seconds)}s"
    base = audio_url or link
    if not base:
        return None
    return f"{urldefrag(base).url}#t={int(seconds)}"


def moment_label(episode: int | None, seconds: float | None) -> str | None:
    """ "Ep. 42 · 12:34", "Ep. 42", "12:34", or None when there is neither."""
    parts = []
    if episode is not None:
        parts.append(f"Ep. {episode}")
    if seconds is not None:
        parts.append(format_timestamp(seconds))
    return " · ".join(parts) or None
