// How one answer is shown: its excerpts with `[n]` links, the numbered sources (title with
// section or episode moment, the quote with "Show more", an episode moment played in place),
// and the thumbs. Every string from the server goes in as text, never HTML.
"use strict";

const PodcastAnswer = (function () {
  const SAFE_PROTOCOLS = ["http:", "https:"];
  const AUDIO = /\.(mp3|m4a|aac|oga|ogg|opus|wav|flac)$/i;
  const VIDEO = /\.(mp4|m4v|webm|ogv|mov)$/i;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function safeUrl(link) {
    try {
      const url = new URL(link, window.location.href);
      return SAFE_PROTOCOLS.includes(url.protocol) ? url : null;
    } catch (e) {
      return null;
    }
  }

  function clock(seconds) {
    const s = Math.floor(seconds);
    const hh = Math.floor(s / 3600);
    const mm = String(Math.floor((s % 3600) / 60)).padStart(hh ? 2 : 1, "0");
    const ss = String(s % 60).padStart(2, "0");
    return (hh ? hh + ":" : "") + mm + ":" + ss;
  }

  function appendInline(target, text, sourceIds) {
    splitCitations(text).forEach((part) => {
      if (typeof part === "string") {
        target.append(document.createTextNode(part));
        return;
      }
      const id = sourceIds.get(part);
      if (!id) {
        target.append(document.createTextNode("[" + part + "]"));
        return;
      }
      const a = el("a", "cite", "[" + part + "]");
      a.href = "#" + id;
      a.setAttribute("aria-label", "source " + part);
      a.addEventListener("click", (event) => {
        event.preventDefault();
        const item = document.getElementById(id);
        item.scrollIntoView({ block: "nearest", behavior: "smooth" });
        item.focus({ preventScroll: true });  // so Tab goes on to the source's own link
        item.classList.add("flash");
        setTimeout(() => item.classList.remove("flash"), 1500);
      });
      target.append(a);
    });
  }

  // One line of an excerpt: **marked** parts (the sentences that answer) in <strong>.
  function appendLine(target, line, sourceIds) {
    line.split(/\*\*(.+?)\*\*/).forEach((part, i) => {
      if (!part) return;
      if (i % 2 === 1) {
        const strong = el("strong", "answers");
        appendInline(strong, part, sourceIds);
        target.append(strong);
      } else {
        appendInline(target, part, sourceIds);
      }
    });
  }

  // The answer's light markup (assistant/markup.py): excerpts apart by a blank line, a
  // "### " line is an excerpt's heading, "> " a note of the assistant's own, "- " lines are
  // list items. All as text nodes.
  function renderText(target, text, sourceIds) {
    target.replaceChildren();
    let list = null;
    for (const line of text.split("\n")) {
      const item = line.match(/^\s*(?:[-•*]|\d+[.)])\s+(.*)$/);
      if (!item) list = null;
      if (!line.trim()) continue;
      if (line.startsWith("### ")) {
        target.append(el("h4", "excerpt-heading", line.slice(4)));
      } else if (line.startsWith("> ")) {
        target.append(el("p", "excerpt-note", line.slice(2)));
      } else if (item) {
        if (!list) target.append((list = el("ul", "excerpt-list")));
        const li = el("li");
        appendLine(li, item[1], sourceIds);
        list.append(li);
      } else {
        const p = el("p");
        appendLine(p, line, sourceIds);
        target.append(p);
      }
    }
  }

  // The answer as one plain sentence run, for the screen-reader announcement.
  function plainText(text) {
    return text.replace(/^(### |> )/gm, "").replace(/\*\*/g, "").replace(/\s+/g, " ").trim();
  }

  // A cited episode moment whose link is the media file itself plays here, from its second.
  function addPlayer(item, source, url) {
    const video = VIDEO.test(url.pathname);
    if (!video && !AUDIO.test(url.pathname)) return;
    const at = source.moment || clock(source.start_seconds);
    const play = el("button", "play quiet", "▶ Play from " + clock(source.start_seconds));
    play.type = "button";
    play.setAttribute("aria-label", "Play " + source.title + " from " + at);
    play.addEventListener("click", () => {
      let media = item.querySelector("audio, video");
      if (!media) {
        media = el(video ? "video" : "audio", "player");
        media.controls = true;
        media.preload = "metadata";
        media.setAttribute("aria-label", source.title + ", " + at);
        if (video) media.playsInline = true;
        media.src = url.href;  // its #t= fragment seeks; set again below where it doesn't
        media.addEventListener("loadedmetadata", () => {
          if (media.currentTime < source.start_seconds - 1) media.currentTime = source.start_seconds;
        }, { once: true });
        play.after(media);
      }
      media.play().catch(() => { /* the listener can press play on the controls */ });
    });
    item.append(play);
  }

  function addShowMore(item, quote) {
    const clamped = quote.clientHeight
      ? quote.scrollHeight > quote.clientHeight + 2
      : quote.textContent.length > 220;  // not laid out yet (a closed widget): guess by length
    if (!clamped) return;
    const more = el("button", "more", "Show more");
    more.type = "button";
    more.setAttribute("aria-expanded", "false");
    more.addEventListener("click", () => {
      const open = !quote.classList.toggle("clamped");
      more.textContent = open ? "Show less" : "Show more";
      more.setAttribute("aria-expanded", String(open));
    });
    item.append(more);
  }

  function renderSources(list, sources, prefix) {
    const ids = new Map();
    list.replaceChildren();
    for (const source of sources) {
      const id = prefix + "-source-" + source.n;
      ids.set(source.n, id);
      const item = el("li");
      item.id = id;
      item.tabIndex = -1;
      item.append(el("span", "n", "[" + source.n + "]"));
      const url = safeUrl(source.link);
      const title = el(url ? "a" : "span", "title", source.title);
      if (url) {
        title.href = url.href;
        title.target = "_blank";
        title.rel = "noopener noreferrer";
      }
      item.append(title);
      const hasTime = source.start_seconds !== null && source.start_seconds !== undefined;
      const where = source.moment || source.section || (hasTime ? clock(source.start_seconds) : "");
      if (where) item.append(el("span", "where", " · " + where));
      const quote = el("blockquote", "quote clamped", source.quote);
      item.append(quote);
      list.append(item);
      addShowMore(item, quote);
      if (url && hasTime) addPlayer(item, source, url);
    }
    list.hidden = sources.length === 0;
    return ids;
  }

  function render(bubble, data) {
    bubble.classList.toggle("refused", Boolean(data.refused));
    bubble.classList.toggle("urgent", Boolean(data.urgent));
    if (data.urgent) bubble.setAttribute("role", "alert");  // announced at once
    const ids = renderSources(bubble.querySelector(".sources"), data.sources, bubble.id);
    renderText(bubble.querySelector(".text"), data.answer, ids);
    let note = bubble.querySelector(".note");
    if (!note) {
      note = el("p", "note", "");
      bubble.querySelector(".sources").after(note);
    }
    note.textContent = data.note || "";
    note.hidden = !data.note;
  }

  // Material Design "thumb_up" (Apache 2.0); thumbs-down is the same shape turned over.
  const THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79" +
    "-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 " +
    "1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";

  function thumb(down) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", down ? "thumb down" : "thumb");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", THUMB);
    svg.append(path);
    return svg;
  }

  function addVotes(bubble, exchangeId) {
    const votes = el("div", "votes");
    votes.append(el("span", "ask-vote", "Was this helpful?"));
    const thanks = el("span", "thanks");
    thanks.setAttribute("aria-live", "polite");
    for (const [vote, label] of [[1, "Helpful"], [-1, "Not helpful"]]) {
      const button = el("button", "vote");
      button.append(thumb(vote < 0));
      button.type = "button";
      button.dataset.vote = String(vote);
      button.setAttribute("aria-label", label);
      button.title = label;
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", async () => {
        try {
          const response = await fetch("/api/feedback", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ id: exchangeId, vote: vote }),
          });
          if (!response.ok) throw new Error(String(response.status));
          for (const b of votes.querySelectorAll("button")) {
            b.setAttribute("aria-pressed", String(b === button));
          }
          thanks.textContent = "Thanks for the feedback.";
        } catch (e) {
          thanks.textContent = "Sorry, that feedback couldn't be saved.";
        }
      });
      votes.append(button);
    }
    votes.append(thanks);
    bubble.append(votes);
  }

  return { el, render, addVotes, plainText };
})();
