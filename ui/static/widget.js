// The one-line website widget: a floating button that opens the podcast chat in an iframe.
//   <script src="https://HOST/widget.js" data-title="Ask the podcast" data-color="#0b6e4f"
//           data-position="right" async></script>
// Everything lives in a shadow root, so the host page's styles and ours never meet. The chat
// loads (hidden) at once and says so with postMessage; only then does the button appear. On a
// site the server does not allow, the browser refuses the frame, no message comes, and the
// button never shows: one console message tells the site owner which setting to change.
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector('script[src*="/widget.js"][data-title], script[src*="/widget.js"]');
  if (!script || window.__podcastAssistantWidget) return;
  window.__podcastAssistantWidget = true;

  var WAIT_MS = 2000;  // after the frame's load event, how long its "ready" may take
  var origin = new URL(script.src, window.location.href).origin;
  var title = (script.getAttribute("data-title") || "Ask the podcast").slice(0, 80);
  var color = script.getAttribute("data-color") || "";
  if (!/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(color)) color = "#0a7a5a";
  var position = (script.getAttribute("data-position") || "").trim().toLowerCase();
  var side = position === "left" ? "left" : "right";

  // WCAG relative luminance; a copy of ui/static/colors.js's textOn (this file stands alone).
  function luminance(hex) {
    var h = hex.slice(1);
    if (h.length === 3) h = h.replace(/./g, "$&$&");
    var sum = 0;
    [0.2126, 0.7152, 0.0722].forEach(function (weight, i) {
      var c = parseInt(h.slice(2 * i, 2 * i + 2), 16) / 255;
      sum += weight * (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
    });
    return sum;
  }
  // White when it reaches 4.5:1 (WCAG AA) on the accent, else black, which then always does.
  var ink = 1.05 / (luminance(color) + 0.05) >= 4.5 ? "#ffffff" : "#000000";

  var css = [
    ":host { all: initial; }",
    ".launcher { position: fixed; bottom: 20px; " + side + ": 20px; z-index: 2147483000;",
    "  display: flex; align-items: center; gap: 8px; border: 0; border-radius: 28px;",
    "  padding: 12px 18px; background: " + color + "; color: " + ink + "; cursor: pointer;",
    "  max-width: min(320px, calc(100vw - 40px));",
    "  font: 600 15px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".launcher[hidden] { display: none; }",
    ".launcher span { overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }",
    ".launcher svg { flex: none; width: 20px; height: 20px; fill: currentColor; }",
    ".launcher:focus-visible { outline: 3px solid " + ink + "; outline-offset: -6px; }",
    ".panel { position: fixed; bottom: 84px; " + side + ": 20px; z-index: 2147483000;",
    "  width: 380px; height: min(620px, calc(100vh - 110px)); border: 0; border-radius: 14px;",
    "  overflow: hidden; box-shadow: 0 8px 30px rgba(0,0,0,.3); background: #fff; }",
    ".panel[hidden] { display: none; }",
    ".panel iframe { width: 100%; height: 100%; border: 0; display: block; }",
    // On a phone the chat takes the screen above the button, which stays put to close it.
    "@media (max-width: 480px) { .panel { top: 0; left: 0; right: 0; bottom: 76px;",
    "  width: auto; height: auto; border-radius: 0 0 14px 14px; }",
    "  .launcher { bottom: 14px; } }",
  ].join("\n");

  var host = document.createElement("div");
  host.setAttribute("data-podcast-assistant", "");
  var root = host.attachShadow({ mode: "open" });
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);  // constructed sheets work under a host page's strict CSP
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    var style = document.createElement("style");
    style.textContent = css;
    root.appendChild(style);
  }

  var button = document.createElement("button");
  button.className = "launcher";
  button.type = "button";
  button.hidden = true;  // until the chat says it loaded
  button.title = title;  // the whole title, where the button shows it cut with "…"
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "podcast-assistant-panel");
  var icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  var bubble = document.createElementNS("http://www.w3.org/2000/svg", "path");
  // Material Design "chat_bubble" (Apache 2.0)
  bubble.setAttribute("d", "M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2z");
  icon.appendChild(bubble);
  var label = document.createElement("span");
  label.textContent = title;
  button.appendChild(icon);
  button.appendChild(label);

  var panel = document.createElement("div");
  panel.className = "panel";
  panel.id = "podcast-assistant-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);  // the whole data-title, however long
  panel.hidden = true;
  var frame = document.createElement("iframe");
  // The chat's heading is the server's own (PODCAST_ASSISTANT_TITLE); data-title labels
  // only this button and names the frame for screen readers.
  frame.src = origin + "/embed?" + new URLSearchParams({ color: color }).toString();
  frame.title = title;
  frame.setAttribute("loading", "eager");
  panel.appendChild(frame);

  function toggle(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    label.textContent = open ? "Close" : title;
    if (open) {
      frame.focus();  // then the chat may move focus to its input
      frame.contentWindow.postMessage({ podcastAssistant: "open" }, origin);
    }
    else button.focus();
  }
  button.addEventListener("click", function () { toggle(panel.hidden); });
  host.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) toggle(false);
  });

  var ready = false;
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow || !event.data) return;
    if (event.data.podcastAssistant === "ready" && !ready) {
      ready = true;
      button.hidden = false;
    } else if (event.data.podcastAssistant === "close" && !panel.hidden) {
      toggle(false);
    }
  });
  frame.addEventListener("load", function () {
    setTimeout(function () {
      if (ready) return;
      host.remove();
      console.error(
        "Podcast assistant widget: " + origin + " does not allow its chat on " +
        window.location.origin + ", so the chat button is hidden. Add " +
        window.location.origin + " to PODCAST_ASSISTANT_ALLOWED_ORIGINS on that server " +
        "(comma-separated origins) and restart it."
      );
    }, WAIT_MS);
  }, { once: true });

  root.appendChild(panel);
  root.appendChild(button);
  function mount() { document.body.appendChild(host); }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
