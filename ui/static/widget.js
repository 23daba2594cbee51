// The one-line website widget: a floating button that opens the podcast chat in an iframe.
//   <script src="https://HOST/widget.js" data-title="Ask the podcast" data-color="#0a7"
//           data-position="right" async></script>
// Everything lives in a shadow root, so the host page's styles and ours never meet.
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector('script[src*="/widget.js"][data-title], script[src*="/widget.js"]');
  if (!script || window.__podcastAssistantWidget) return;
  window.__podcastAssistantWidget = true;

  var origin = new URL(script.src, window.location.href).origin;
  var title = (script.getAttribute("data-title") || "Ask the podcast").slice(0, 80);
  var color = script.getAttribute("data-color") || "";
  if (!/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(color)) color = "#0a7a5a";
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";

  var css = [
    ":host { all: initial; }",
    ".launcher { position: fixed; bottom: 20px; " + side + ": 20px; z-index: 2147483000;",
    "  display: flex; align-items: center; gap: 8px; border: 0; border-radius: 28px;",
    "  padding: 12px 18px; background: " + color + "; color: #fff; cursor: pointer;",
    "  font: 600 15px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".launcher svg { width: 20px; height: 20px; fill: currentColor; }",
    ".launcher:focus-visible { outline: 3px solid #fff; outline-offset: -6px; }",
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
  panel.hidden = true;

  button.addEventListener("click", function () {
    if (!panel.firstChild) {
      var frame = document.createElement("iframe");
      // The chat's heading is the server's own (PODCAST_ASSISTANT_TITLE); data-title labels
      // only this button and names the frame for screen readers.
      var query = new URLSearchParams({ color: color });
      frame.src = origin + "/embed?" + query.toString();
      frame.title = title;
      frame.setAttribute("loading", "eager");
      panel.appendChild(frame);
    }
    var opening = panel.hidden;
    panel.hidden = !opening;
    button.setAttribute("aria-expanded", String(opening));
    label.textContent = opening ? "Close" : title;
  });

  root.appendChild(panel);
  root.appendChild(button);
  function mount() { document.body.appendChild(host); }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
