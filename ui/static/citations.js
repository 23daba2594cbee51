// The `[n]` citation rule, as assistant/citations.py writes it: text is split on `[digits]`
// into plain strings and citation numbers. tests/test_citations.py feeds this and the Python
// `segments()` the same cases. Loaded by the chat page before chat.js; also a CommonJS module.
"use strict";

function splitCitations(text) {
  const out = [];
  text.split(/\[(\d+)\]/).forEach((part, i) => {
    if (i % 2 === 1) out.push(Number(part));
    else if (part) out.push(part);
  });
  return out;
}

if (typeof module !== "undefined" && module.exports) module.exports = { splitCitations };
