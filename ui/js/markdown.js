// A small, safe Markdown renderer that builds DOM nodes directly.
//
// Safety by construction: input is never parsed as HTML (raw HTML shows as text), and links
// keep only http:, https: and mailto: targets (anything else, javascript: included, renders as
// plain text). Supported: paragraphs, ATX headings, fenced and indented code, block quotes,
// ordered/unordered lists, horizontal rules, tables, inline code, bold, italic, strike, links,
// autolinked URLs and hard line breaks.

import { h } from "./dom.js";

const SAFE_SCHEMES = /^(https?:|mailto:)/i;

export function safeHref(raw) {
  const url = String(raw || "").trim();
  // Reject control characters and whitespace that browsers strip before reading a scheme.
  if (/[\u0000-\u0020\u007f]/.test(url)) return null;
  if (SAFE_SCHEMES.test(url)) return url;
  return null;
}

/** Renders Markdown text into a DocumentFragment. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
  renderBlocks(lines, fragment);
  return fragment;
}

function renderBlocks(lines, parent) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*$/.test(line)) { i += 1; continue; }
    const fence = line.match(/^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/);
    if (fence) {
      const closer = fence[1];
      const body = [];
      i += 1;
      while (i < lines.length && !lines[i].trimStart().startsWith(closer)) { body.push(lines[i]); i += 1; }
      i += 1;
      parent.append(codeBlock(body.join("\n"), fence[2]));
      continue;
    }
    const heading = line.match(/^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/);
    if (heading) {
      // Chat content sits under the page's own headings, so levels start at h3.
      const level = Math.min(6, heading[1].length + 2);
      parent.append(inline(h(`h${level}`), heading[2]));
      i += 1;
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) { parent.append(h("hr")); i += 1; continue; }
    if (/^\s{0,3}>/.test(line)) {
      const body = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i])) { body.push(lines[i].replace(/^\s{0,3}>\s?/, "")); i += 1; }
      const quote = h("blockquote");
      renderBlocks(body, quote);
      parent.append(quote);
      continue;
    }
    if (/^( {4}|\t)/.test(line)) {
      const body = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || /^\s*$/.test(lines[i]))) { body.push(lines[i].replace(/^( {4}|\t)/, "")); i += 1; }
      parent.append(codeBlock(body.join("\n").replace(/\n+$/, ""), ""));
      continue;
    }
    const item = listItem(line);
    if (item) { i = renderList(lines, i, parent); continue; }
    if (line.includes("|") && i + 1 < lines.length && /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(lines[i + 1])) {
      i = renderTable(lines, i, parent);
      continue;
    }
    const para = [];
    while (i < lines.length && !/^\s*$/.test(lines[i]) && !startsBlock(lines[i])) { para.push(lines[i]); i += 1; }
    if (!para.length) { para.push(lines[i]); i += 1; }
    const p = h("p");
    para.forEach((l, idx) => {
      const hard = / {2,}$/.test(l) || l.endsWith("\\");
      inline(p, l.replace(/( {2,}|\\)$/, ""));
      if (idx < para.length - 1) p.append(hard ? h("br") : document.createTextNode("\n"));
    });
    parent.append(p);
  }
}

function startsBlock(line) {
  return /^\s{0,3}(`{3,}|~{3,}|#{1,6}\s|>)/.test(line) || listItem(line) !== null;
}

function listItem(line) {
  const m = line.match(/^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/);
  return m ? { indent: m[1].length, ordered: /\d/.test(m[2]), start: parseInt(m[2], 10), text: m[3] } : null;
}

function renderList(lines, i, parent) {
  const first = listItem(lines[i]);
  const list = first.ordered ? h("ol") : h("ul");
  if (first.ordered && first.start !== 1) list.setAttribute("start", String(first.start));
  while (i < lines.length) {
    const item = listItem(lines[i]);
    if (!item || item.ordered !== first.ordered || item.indent > first.indent + 1) break;
    const body = [item.text];
    i += 1;
    while (i < lines.length && !/^\s*$/.test(lines[i]) && (!listItem(lines[i]) || listItem(lines[i]).indent > first.indent + 1)) {
      body.push(lines[i].replace(/^\s{1,4}/, ""));
      i += 1;
    }
    const li = h("li");
    if (body.length === 1) inline(li, body[0]);
    else renderBlocks(body, li);
    list.append(li);
    if (i < lines.length && /^\s*$/.test(lines[i]) && i + 1 < lines.length && listItem(lines[i + 1])) i += 1;
  }
  parent.append(list);
  return i;
}

function splitRow(line) {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

function renderTable(lines, i, parent) {
  const head = splitRow(lines[i]);
  i += 2;
  const tbody = h("tbody");
  while (i < lines.length && lines[i].includes("|") && !/^\s*$/.test(lines[i])) {
    tbody.append(h("tr", splitRow(lines[i]).map((c) => inline(h("td"), c))));
    i += 1;
  }
  parent.append(h("div.table-wrap", h("table", h("thead", h("tr", head.map((c) => inline(h("th"), c)))), tbody)));
  return i;
}

function codeBlock(code, lang) {
  const pre = h("pre.code", h("code", lang ? { dataset: { lang } } : null, code));
  const copy = h("button.copy.ghost", { type: "button", "aria-label": "Copy code" }, "Copy");
  copy.addEventListener("click", () => {
    navigator.clipboard?.writeText(code).then(() => { copy.textContent = "Copied"; setTimeout(() => { copy.textContent = "Copy"; }, 1200); }, () => {});
  });
  return h("div.codeblock", lang ? h("span.lang", lang) : null, copy, pre);
}

// Inline spans, in priority order. Each rule: regex (sticky), node builder.
const INLINE_RULES = [
  [/`+/y, null], // code spans handled specially
  // Images are never loaded (no third-party requests from chat content): shown as a link.
  [/!\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/y, (m) => link(m[1] ? `image: ${m[1]}` : m[2], m[2])],
  [/\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/y, (m) => link(m[1], m[2])],
  [/<(https?:\/\/[^>\s]+)>/y, (m) => link(m[1], m[1])],
  [/https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"\]]/y, (m) => link(m[0], m[0])],
  [/(\*\*|__)(?=\S)([\s\S]*?\S)\1/y, (m) => inline(h("strong"), m[2])],
  [/~~(?=\S)([\s\S]*?\S)~~/y, (m) => inline(h("del"), m[1])],
  [/(\*|_)(?=\S)([\s\S]*?\S)\1(?![\w*])/y, (m) => inline(h("em"), m[2])],
];

function link(label, target) {
  const href = safeHref(target);
  if (!href) return document.createTextNode(label === target ? label : `${label} (${target})`);
  const a = h("a", { href, rel: "noopener noreferrer nofollow", target: "_blank" });
  return label === target ? (a.append(label), a) : inline(a, label);
}

/** Appends the inline rendering of `text` to `el` and returns `el`. */
function inline(el, text) {
  let plain = "";
  let i = 0;
  const flush = () => { if (plain) { el.append(document.createTextNode(plain)); plain = ""; } };
  outer: while (i < text.length) {
    const ch = text[i];
    if (ch === "\\" && i + 1 < text.length && /[\\`*_{}[\]()#+\-.!|~<>]/.test(text[i + 1])) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === "`") {
      const ticks = text.slice(i).match(/^`+/)[0];
      const end = text.indexOf(ticks, i + ticks.length);
      if (end > 0) {
        flush();
        el.append(h("code", text.slice(i + ticks.length, end).replace(/^ (.+) $/, "$1")));
        i = end + ticks.length;
        continue;
      }
      plain += ticks;
      i += ticks.length;
      continue;
    }
    if ("![<h*_~".includes(ch)) {
      for (const [re, build] of INLINE_RULES) {
        if (!build) continue;
        re.lastIndex = i;
        const m = re.exec(text);
        if (m) {
          // Read the end first: building recurses into inline(), which reuses these regexes.
          const end = re.lastIndex;
          flush();
          el.append(build(m));
          i = end;
          continue outer;
        }
      }
    }
    plain += ch;
    i += 1;
  }
  flush();
  return el;
}
