// Where a config path (`gateway.auth.token`, `agents.list[0].id`) sits in JSON5 text.
//
// A tolerant scanner: it reads JSON5 (comments, single quotes, unquoted keys, trailing commas)
// well enough to record the line of every key, and never throws on broken input.

/** Map of path → 1-based line for every key and array element found in `text`. */
export function pathLines(text) {
  const lines = new Map();
  const s = String(text);
  let i = 0;
  let line = 1;

  const skip = () => {
    for (;;) {
      const c = s[i];
      if (c === "\n") { line += 1; i += 1; }
      else if (c === " " || c === "\t" || c === "\r" || c === "\ufeff") i += 1;
      else if (c === "/" && s[i + 1] === "/") { while (i < s.length && s[i] !== "\n") i += 1; }
      else if (c === "/" && s[i + 1] === "*") {
        i += 2;
        while (i < s.length && !(s[i] === "*" && s[i + 1] === "/")) { if (s[i] === "\n") line += 1; i += 1; }
        i += 2;
      } else return;
    }
  };

  const readString = () => {
    const quote = s[i];
    i += 1;
    let out = "";
    while (i < s.length && s[i] !== quote) {
      if (s[i] === "\\") { out += s[i + 1] ?? ""; if (s[i + 1] === "\n") line += 1; i += 2; continue; }
      if (s[i] === "\n") { line += 1; }
      out += s[i];
      i += 1;
    }
    i += 1;
    return out;
  };

  const readBare = () => {
    const start = i;
    while (i < s.length && !/[\s,:\]}\[{/"']/.test(s[i])) i += 1;
    if (i === start) i += 1; // unexpected character: step over it
    return s.slice(start, i);
  };

  const join = (prefix, key) => (prefix ? `${prefix}.${key}` : key);

  const value = (path, depth) => {
    skip();
    if (depth > 200 || i >= s.length) return;
    const c = s[i];
    if (c === "{") {
      i += 1;
      for (;;) {
        skip();
        if (i >= s.length) return;
        if (s[i] === "}") { i += 1; return; }
        if (s[i] === ",") { i += 1; continue; }
        const keyLine = line;
        const key = s[i] === '"' || s[i] === "'" ? readString() : readBare();
        const child = join(path, key);
        if (!lines.has(child)) lines.set(child, keyLine);
        skip();
        if (s[i] === ":") { i += 1; value(child, depth + 1); }
      }
    } else if (c === "[") {
      i += 1;
      let index = 0;
      for (;;) {
        skip();
        if (i >= s.length) return;
        if (s[i] === "]") { i += 1; return; }
        if (s[i] === ",") { i += 1; continue; }
        const child = `${path}[${index}]`;
        if (!lines.has(child)) lines.set(child, line);
        const before = i;
        value(child, depth + 1);
        if (i === before) i += 1;
        index += 1;
      }
    } else if (c === '"' || c === "'") {
      readString();
    } else {
      readBare();
    }
  };

  value("", 0);
  return lines;
}

/**
 * The line an issue refers to: a `file:line:col:` position in its message wins; otherwise the
 * line of its path, or of the nearest enclosing path that exists (for a missing key).
 */
export function issueLine(issue, text, lines = pathLines(text)) {
  const pos = String(issue?.message || "").match(/:(\d+):(\d+):\s/);
  if (pos) return Number(pos[1]);
  let path = String(issue?.path || "");
  while (path) {
    if (lines.has(path)) return lines.get(path);
    const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
    if (cut <= 0) break;
    path = path.slice(0, cut);
  }
  return lines.has(path) ? lines.get(path) : null;
}
