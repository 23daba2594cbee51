// The chat: sends a question to /api/chat, renders the streamed answer with its numbered
// sources, and records thumbs up/down. Every string from the server goes in as text, never HTML.
"use strict";

(function () {
  const chat = document.getElementById("chat");
  const messages = document.getElementById("messages");
  const intro = document.getElementById("intro");
  const form = document.getElementById("ask");
  const input = document.getElementById("question");
  const send = document.getElementById("send");
  const SAFE_PROTOCOLS = ["http:", "https:"];
  let history = [];
  let inFlight = null;
  let answers = 0;

  if (chat.dataset.color) chat.style.setProperty("--accent", chat.dataset.color);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function scrollDown() {
    messages.scrollTop = messages.scrollHeight;
  }

  function safeHref(link) {
    try {
      const url = new URL(link, window.location.href);
      return SAFE_PROTOCOLS.includes(url.protocol) ? url.href : null;
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

  function renderSources(list, sources, prefix) {
    const ids = new Map();
    list.replaceChildren();
    for (const source of sources) {
      const id = prefix + "-source-" + source.n;
      ids.set(source.n, id);
      const item = el("li");
      item.id = id;
      item.append(el("span", "n", "[" + source.n + "]"));
      const href = safeHref(source.link);
      const title = el(href ? "a" : "span", "title", source.title);
      if (href) {
        title.href = href;
        title.target = "_blank";
        title.rel = "noopener noreferrer";
      }
      item.append(title);
      if (source.moment) {
        item.append(el("span", "at", " · " + source.moment));
      } else if (source.start_seconds !== null && source.start_seconds !== undefined) {
        item.append(el("span", "at", " at " + clock(source.start_seconds)));
      }
      item.append(el("blockquote", "quote", source.quote));
      list.append(item);
    }
    list.hidden = sources.length === 0;
    return ids;
  }

  function renderAnswer(bubble, data) {
    bubble.classList.toggle("refused", Boolean(data.refused));
    bubble.classList.toggle("urgent", Boolean(data.urgent));
    if (data.urgent) bubble.setAttribute("role", "alert");
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

  function notice(bubble, text) {
    bubble.className = "message answer notice";
    bubble.setAttribute("role", "status");
    bubble.querySelector(".text").textContent = text;
    bubble.querySelector(".sources").hidden = true;
  }

  async function readLines(response, onLine) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line) onLine(JSON.parse(line));
      }
    }
    if (buffer.trim()) onLine(JSON.parse(buffer));
  }

  async function ask(question) {
    intro.hidden = true;
    messages.append(el("div", "message question", question));
    const bubble = el("div", "message answer pending");
    bubble.id = "answer-" + ++answers;
    bubble.append(el("div", "text", "Looking through the podcast"));
    const list = el("ol", "sources");
    list.hidden = true;
    bubble.append(list);
    messages.append(bubble);
    scrollDown();
    const controller = new AbortController();
    inFlight = controller;
    send.disabled = true;
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/x-ndjson" },
        body: JSON.stringify({ question: question, history: history }),
        signal: controller.signal,
      });
      if (!response.ok) {
        let message = "Sorry, something went wrong. Please try again.";
        try {
          const body = await response.json();
          if (typeof body.error === "string") message = body.error;
        } catch (e) { /* not JSON: keep the general message */ }
        notice(bubble, message);
        return;
      }
      let final = null;
      await readLines(response, (data) => {
        renderAnswer(bubble, data);
        scrollDown();
        if (data.type === "final") final = data;
      });
      bubble.classList.remove("pending");
      if (final) {
        history = history.concat([[question, final.answer]]).slice(-5);
        addVotes(bubble, final.id);
        scrollDown();
      }
    } catch (e) {
      if (e.name !== "AbortError") notice(bubble, "Sorry, the assistant can't be reached right now. Please try again.");
    } finally {
      if (inFlight === controller) {
        inFlight = null;
        send.disabled = false;
      }
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question || send.disabled) return;
    input.value = "";
    ask(question);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  for (const button of document.querySelectorAll(".example")) {
    button.addEventListener("click", () => {
      input.value = button.textContent;
      form.requestSubmit();
    });
  }

  document.getElementById("new-chat").addEventListener("click", () => {
    if (inFlight) inFlight.abort();
    inFlight = null;
    send.disabled = false;
    history = [];
    for (const message of messages.querySelectorAll(".message")) message.remove();
    intro.hidden = false;
    input.value = "";
    input.focus();
  });
})();
