// Colours that stay readable with any accent: text on the accent and the accent as text meet
// WCAG AA (4.5:1). widget.js carries a copy of `textOn` (it is one file on another site).
"use strict";

function luminance(hex) {
  let h = hex.replace("#", "");
  if (h.length === 3) h = h.replace(/./g, "$&$&");
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// White when it reaches 4.5:1 on the accent, else black (which then always does).
function textOn(accent) {
  return contrast(accent, "#ffffff") >= 4.5 ? "#ffffff" : "#000000";
}

// The accent, darkened just enough to be read as text on `background`.
function inkOn(accent, background) {
  let h = accent.replace("#", "");
  if (h.length === 3) h = h.replace(/./g, "$&$&");
  for (let keep = 1; keep > 0; keep -= 0.05) {
    const mixed = "#" + [0, 2, 4].map((i) =>
      Math.round(parseInt(h.slice(i, i + 2), 16) * keep).toString(16).padStart(2, "0")).join("");
    if (contrast(mixed, background) >= 4.5) return mixed;
  }
  return "#000000";
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { luminance, contrast, textOn, inkOn };
}
