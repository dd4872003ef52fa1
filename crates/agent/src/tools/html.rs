//! HTML → readable text for `web_fetch`: a small tag walker, not a full parser or Readability.
//!
//! It drops `script`/`style`/`noscript`/`template`/`svg` content and comments, turns block
//! elements into line breaks, and in markdown mode keeps headings (`#`), links (`[text](url)`,
//! resolved against the page URL), list items, images' alt text and `pre` blocks (fenced).
//! Entities are decoded and whitespace collapsed. It never fails: malformed markup degrades to
//! text.

use reqwest::Url;

/// Text extracted from a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Extracted {
    pub title: Option<String>,
    pub text: String,
}

/// Elements whose content is never shown.
const SKIPPED: [&str; 6] = ["script", "style", "noscript", "template", "svg", "iframe"];
/// Elements that start and end a paragraph.
const BLOCKS: [&str; 26] = [
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "nav",
    "aside",
    "form",
    "fieldset",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "figure",
    "figcaption",
    "address",
    "details",
    "summary",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "center",
    "body",
];

/// Whether a body without a content type looks like HTML.
pub(crate) fn looks_like_html(body: &str) -> bool {
    let head: String = body
        .trim_start()
        .chars()
        .take(256)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

pub(crate) fn extract(html: &str, base: Option<&Url>, markdown: bool) -> Extracted {
    let mut w = Writer {
        out: String::new(),
        markdown,
        pending_space: false,
        pre_depth: 0,
        links: Vec::new(),
        lists: Vec::new(),
        base,
    };
    let mut title = None;
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < html.len() {
        if bytes[i] != b'<' {
            let end = html[i..].find('<').map_or(html.len(), |at| i + at);
            w.text(&decode_entities(&html[i..end]));
            i = end;
            continue;
        }
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(html.len(), |at| i + at + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            i = rest.find('>').map_or(html.len(), |at| i + at + 1);
            continue;
        }
        let Some(tag) = parse_tag(rest) else {
            w.text("<");
            i += 1;
            continue;
        };
        i += tag.len;
        if tag.closing {
            w.close(&tag.name);
            continue;
        }
        if tag.name == "title" || SKIPPED.contains(&tag.name.as_str()) {
            let (inner, after) = raw_content(html, i, &tag.name);
            if tag.name == "title" && title.is_none() {
                let text = collapse_whitespace(&decode_entities(inner));
                if !text.is_empty() {
                    title = Some(text);
                }
            }
            i = after;
            continue;
        }
        w.open(&tag);
    }
    Extracted {
        title,
        text: tidy(&w.out),
    }
}

struct Tag {
    name: String,
    closing: bool,
    attrs: String,
    /// Bytes from `<` through `>`.
    len: usize,
}

/// Parses the tag at the start of `s` (which begins with `<`); `None` if it is not a tag.
fn parse_tag(s: &str) -> Option<Tag> {
    let bytes = s.as_bytes();
    let mut j = 1;
    let closing = bytes.get(1) == Some(&b'/');
    if closing {
        j += 1;
    }
    let name_start = j;
    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-') {
        j += 1;
    }
    if j == name_start || !bytes[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = s[name_start..j].to_ascii_lowercase();
    let attrs_start = j;
    let mut quote: Option<u8> = None;
    while j < bytes.len() {
        match (quote, bytes[j]) {
            (Some(q), c) if c == q => quote = None,
            (None, b'"' | b'\'') => quote = Some(bytes[j]),
            (None, b'>') => break,
            _ => {}
        }
        j += 1;
    }
    let end = j.min(bytes.len());
    Some(Tag {
        name,
        closing,
        attrs: s[attrs_start..end].to_owned(),
        len: (end + 1).min(s.len()),
    })
}

/// The raw content of `<name>` starting at `from`, and the index after its closing tag.
fn raw_content<'a>(html: &'a str, from: usize, name: &str) -> (&'a str, usize) {
    let bytes = html.as_bytes();
    let mut at = from;
    // Case-insensitive search for `</name` without copying the rest of the document.
    while let Some(found) = html[at..].find("</") {
        let close = at + found;
        let name_end = close + 2 + name.len();
        if name_end <= bytes.len()
            && bytes[close + 2..name_end].eq_ignore_ascii_case(name.as_bytes())
        {
            let after = html[close..]
                .find('>')
                .map_or(html.len(), |gt| close + gt + 1);
            return (&html[from..close], after);
        }
        at = close + 2;
    }
    (&html[from..], html.len())
}

/// The value of attribute `wanted` in a tag's attribute text.
fn attr(attrs: &str, wanted: &str) -> Option<String> {
    let bytes = attrs.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && bytes[i] != b'='
            && bytes[i] != b'/'
        {
            i += 1;
        }
        let name = attrs[start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = None;
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i) {
                Some(&q) if q == b'"' || q == b'\'' => {
                    let end = attrs[i + 1..]
                        .find(q as char)
                        .map_or(attrs.len(), |at| i + 1 + at);
                    value = Some(&attrs[i + 1..end]);
                    i = end + 1;
                }
                _ => {
                    let start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    value = Some(&attrs[start..i]);
                }
            }
        }
        if name == wanted {
            return value.map(decode_entities);
        }
        if start == i {
            i += 1;
        }
    }
    None
}

struct Writer<'u> {
    out: String,
    markdown: bool,
    pending_space: bool,
    pre_depth: usize,
    /// Open links: where their text starts in `out`, and the resolved target.
    links: Vec<(usize, Option<String>)>,
    /// Open lists: ordered?, next number.
    lists: Vec<(bool, usize)>,
    base: Option<&'u Url>,
}

impl Writer<'_> {
    fn text(&mut self, text: &str) {
        if self.pre_depth > 0 {
            self.out.push_str(text);
            return;
        }
        for c in text.chars() {
            if c.is_whitespace() {
                self.pending_space = true;
                continue;
            }
            if self.pending_space && !self.out.is_empty() && !self.out.ends_with([' ', '\n']) {
                self.out.push(' ');
            }
            self.pending_space = false;
            self.out.push(c);
        }
    }

    /// Writes a pending space before inline markup.
    fn flush_space(&mut self) {
        if self.pending_space && !self.out.is_empty() && !self.out.ends_with([' ', '\n']) {
            self.out.push(' ');
        }
        self.pending_space = false;
    }

    /// Ends the current line and adds blank lines up to `newlines` line breaks in a row.
    fn brk(&mut self, newlines: usize) {
        self.pending_space = false;
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        // Open links must not point past the end (or into a character) after trimming.
        for (start, _) in &mut self.links {
            *start = (*start).min(trimmed);
        }
        if self.out.is_empty() {
            return;
        }
        let have = self.out.len() - self.out.trim_end_matches('\n').len();
        for _ in have..newlines {
            self.out.push('\n');
        }
    }

    fn open(&mut self, tag: &Tag) {
        let name = tag.name.as_str();
        match name {
            "br" => self.brk(1),
            "hr" => {
                self.brk(2);
                if self.markdown {
                    self.out.push_str("---");
                }
                self.brk(2);
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.brk(2);
                if self.markdown {
                    let level = usize::from(name.as_bytes()[1] - b'0');
                    self.out.push_str(&"#".repeat(level));
                    self.out.push(' ');
                }
            }
            "ul" | "ol" => {
                self.brk(if self.lists.is_empty() { 2 } else { 1 });
                self.lists.push((name == "ol", 1));
            }
            "li" => {
                self.brk(1);
                let depth = self.lists.len().saturating_sub(1);
                self.out.push_str(&"  ".repeat(depth));
                match self.lists.last_mut() {
                    Some((true, next)) => {
                        self.out.push_str(&format!("{next}. "));
                        *next += 1;
                    }
                    _ => self.out.push_str("- "),
                }
            }
            "tr" => self.brk(1),
            "td" | "th" => self.pending_space = true,
            "pre" => {
                self.brk(2);
                if self.markdown {
                    self.out.push_str("```\n");
                }
                self.pre_depth += 1;
            }
            "code" if self.markdown && self.pre_depth == 0 => {
                self.flush_space();
                self.out.push('`');
            }
            "a" => {
                let target = attr(&tag.attrs, "href").and_then(|href| self.link_target(&href));
                self.flush_space();
                self.links.push((self.out.len(), target));
            }
            "img" => {
                if let Some(alt) = attr(&tag.attrs, "alt").map(|a| collapse_whitespace(&a))
                    && !alt.is_empty()
                {
                    self.text(&format!(" {alt} "));
                }
            }
            _ if BLOCKS.contains(&name) => self.brk(2),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "p" => self.brk(2),
            "ul" | "ol" => {
                self.lists.pop();
                self.brk(if self.lists.is_empty() { 2 } else { 1 });
            }
            "li" | "tr" => self.brk(1),
            "pre" => {
                self.pre_depth = self.pre_depth.saturating_sub(1);
                if self.markdown {
                    if !self.out.ends_with('\n') {
                        self.out.push('\n');
                    }
                    self.out.push_str("```");
                }
                self.brk(2);
            }
            "code" if self.markdown && self.pre_depth == 0 => self.out.push('`'),
            "a" => {
                let Some((start, target)) = self.links.pop() else {
                    return;
                };
                let Some(target) = target.filter(|_| self.markdown) else {
                    return;
                };
                let raw = &self.out[start..];
                let lead = raw.len() - raw.trim_start().len();
                let text = raw.trim().to_owned();
                if text.is_empty() {
                    return;
                }
                self.out.truncate(start + lead);
                self.out.push_str(&format!("[{text}]({target})"));
            }
            _ if BLOCKS.contains(&name) => self.brk(2),
            _ => {}
        }
    }

    /// The absolute URL for `href`, or `None` for in-page anchors and scripts.
    fn link_target(&self, href: &str) -> Option<String> {
        let href = href.trim();
        if href.is_empty()
            || href.starts_with('#')
            || href.to_ascii_lowercase().starts_with("javascript:")
        {
            return None;
        }
        match self.base {
            Some(base) => base.join(href).ok().map(String::from),
            None => Some(href.to_owned()),
        }
    }
}

/// Trailing spaces removed from lines, at most one blank line in a row, trimmed.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes character references (`&amp;`, `&#39;`, `&#x2014;` and common named ones); anything
/// unknown is kept as written.
pub(crate) fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after
            .find(';')
            .filter(|&semi| semi > 0 && semi <= 10)
            .and_then(|semi| entity(&after[..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "laquo" => '«',
        "raquo" => '»',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "middot" => '·',
        "bull" => '•',
        "euro" => '€',
        _ => return None,
    };
    Some(c)
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
