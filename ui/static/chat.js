// The chat: sends a question to /api/chat and shows the streamed answer (answer.js), keeps the
// conversation in this tab's sessionStorage (one per site and page kind; "New chat" clears it),
// grows the input and counts near the limit, and, inside the widget, tells the host page it
// loaded and when Escape asks to close.
"use strict";

(function () {
  const { el, render, addVotes, plainText } = PodcastAnswer;
  const chat = document.getElementById("chat");
  const messages = document.getElementById("messages");
  const intro = document.getElementById("intro");
  const form = document.getElementById("ask");
  const input = document.getElementById("question");
  const send = document.getElementById("send");
  const count = document.getElementById("count");
  const announce = document.getElementById("announce");
  const maxChars = Number(chat.dataset.maxChars) || 1000;
  const embedded = document.body.classList.contains("compact") && window.parent !== window;
  const KEEP = 20;  // exchanges kept in sessionStorage
  let history = [];
  let shown = [];  // [{question, data}] of finished answers, as stored
  let inFlight = null;
  let answers = 0;
  let follow = null;  // the question the view keeps at its top while its answer streams

  function useAccent(accent) {
    const style = chat.style;
    style.setProperty("--accent", accent);
    style.setProperty("--on-accent", textOn(accent));
    style.setProperty("--accent-ink", inkOn(accent, "#f4f6f7"));  // --soft, the darker paper
  }
  useAccent(chat.dataset.color || "#0a7a5a");

  // The site the chat is on: one conversation per site (and one for the chat page itself).
  function storageKey() {
    if (!embedded) return "podcast-assistant:chat";
    const ancestors = window.location.ancestorOrigins;
    let site = ancestors && ancestors.length ? ancestors[ancestors.length - 1] : "";
    if (!site && document.referrer) site = new URL(document.referrer).origin;
    return "podcast-assistant:widget:" + (site || "unknown");
  }
  const KEY = storageKey();

  function save() {
    try {
      if (shown.length) sessionStorage.setItem(KEY, JSON.stringify({ history, shown }));
      else sessionStorage.removeItem(KEY);
    } catch (e) { /* storage full or blocked: the chat still works, it just won't survive */ }
  }

  function bubbleFor(question) {
    intro.hidden = true;
    const asked = el("div", "message question", question);
    messages.append(asked);
    const bubble = el("div", "message answer pending");
    bubble.id = "answer-" + ++answers;
    bubble.append(el("div", "text", "Looking through the podcast"));
    const list = el("ol", "sources");
    list.hidden = true;
    bubble.append(list);
    messages.append(bubble);
    return [asked, bubble];
  }

  function restore() {
    let kept = null;
    try {
      kept = JSON.parse(sessionStorage.getItem(KEY) || "null");
    } catch (e) { /* unreadable: start afresh */ }
    if (!kept || !Array.isArray(kept.shown)) return;
    history = Array.isArray(kept.history) ? kept.history : [];
    shown = kept.shown.slice(-KEEP);
    for (const { question, data: final } of shown) {
      const bubble = bubbleFor(question)[1];
      bubble.classList.remove("pending");
      render(bubble, final);
      bubble.removeAttribute("role");  // an urgent answer was announced when it came
      if (final.id) addVotes(bubble, final.id);
    }
    messages.scrollTop = messages.scrollHeight;
  }

  // A new answer is read from its start: its question stays at the top of the view while the
  // answer streams in below it, until the reader scrolls.
  function keepInView() {
    if (follow) messages.scrollTop = Math.max(follow.offsetTop - 8, 0);
  }
  for (const kind of ["wheel", "touchmove", "keydown", "pointerdown"]) {
    messages.addEventListener(kind, () => { follow = null; }, { passive: true });
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

  async function refusedMessage(response) {
    try {
      const body = await response.json();
      if (typeof body.error === "string") return body.error;
    } catch (e) { /* not JSON: the general message */ }
    return "Sorry, something went wrong. Please try again.";
  }

  function finish(question, bubble, final) {
    history = history.concat([[question, final.answer]]).slice(-5);
    shown = shown.concat([{ question, data: final }]).slice(-KEEP);
    save();
    addVotes(bubble, final.id);
    if (!final.urgent) announce.textContent = "Answer: " + plainText(final.answer);
  }

  async function ask(question) {
    const [asked, bubble] = bubbleFor(question);
    follow = asked;
    keepInView();
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
        notice(bubble, await refusedMessage(response));
        if (response.status === 400 && !input.value) setInput(question);  // to shorten it
        return;
      }
      let final = null;
      await readLines(response, (data) => {
        render(bubble, data);
        keepInView();
        if (data.type === "final") final = data;
      });
      bubble.classList.remove("pending");
      if (final) finish(question, bubble, final);
    } catch (e) {
      if (e.name !== "AbortError") notice(bubble, "Sorry, the assistant can't be reached right now. Please try again.");
    } finally {
      if (inFlight === controller) {
        inFlight = null;
        send.disabled = false;
      }
    }
  }

  // The input grows to a few lines (CSS caps it) and shows its count near the limit.
  function fit() {
    input.style.height = "auto";
    input.style.height = input.scrollHeight + 2 + "px";
    const n = input.value.length;
    count.hidden = n < maxChars * 0.8;
    count.classList.toggle("over", n > maxChars);
    count.textContent = n > maxChars
      ? n + " / " + maxChars + " characters: too long, please shorten it"
      : n + " / " + maxChars;
  }
  function setInput(text) {
    input.value = text;
    fit();
  }
  input.addEventListener("input", fit);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question || send.disabled) return;
    setInput("");
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
      setInput(button.textContent);
      form.requestSubmit();
    });
  }

  document.getElementById("new-chat").addEventListener("click", () => {
    if (inFlight) inFlight.abort();
    inFlight = null;
    send.disabled = false;
    history = [];
    shown = [];
    save();
    for (const message of messages.querySelectorAll(".message")) message.remove();
    intro.hidden = false;
    announce.textContent = "";
    setInput("");
    input.focus();
  });

  // Inside the widget: say we loaded (a frame the browser refused never does, so the widget
  // can tell its site owner why), focus the input when opened, and close on Escape.
  if (embedded) {
    window.addEventListener("message", (event) => {
      if (event.source === window.parent && event.data && event.data.podcastAssistant === "open") {
        input.focus();
      }
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") window.parent.postMessage({ podcastAssistant: "close" }, "*");
    });
    window.parent.postMessage({ podcastAssistant: "ready" }, "*");
  }

  restore();
  fit();
})();
