use super::*;

fn md(html: &str) -> Extracted {
    let base = Url::parse("https://example.com/docs/page.html").unwrap();
    extract(html, Some(&base), true)
}

#[test]
fn drops_scripts_styles_and_comments() {
    let page = r#"<html><head><title> My  Page </title><style>body{color:red}</style>
        <script>var x = "<p>not text</p>";</script></head>
        <body><!-- hidden --><p>Visible</p><noscript>enable js</noscript>
        <SCRIPT type="x">alert(1)</SCRIPT><p>After</p></body></html>"#;
    let got = md(page);
    assert_eq!(got.title.as_deref(), Some("My Page"));
    assert_eq!(got.text, "Visible\n\nAfter");
}

#[test]
fn headings_links_lists_and_pre() {
    let page = r##"<h1>Title</h1><p>See <a href="/a?b=1&amp;c=2">the docs</a> and
        <a href="#top">top</a> or <a href="javascript:void(0)">js</a>.</p>
        <ul><li>one</li><li>two<ol><li>inner</li></ol></li></ul>
        <pre>let x = 1;
  indented</pre><p>Use <code>cargo</code>.</p>"##;
    let got = md(page);
    let expected = "# Title\n\nSee [the docs](https://example.com/a?b=1&c=2) and top or js.\n\n\
                    - one\n- two\n  1. inner\n\n```\nlet x = 1;\n  indented\n```\n\nUse `cargo`.";
    assert_eq!(got.text, expected);
}

#[test]
fn text_mode_has_no_markdown_syntax() {
    let base = Url::parse("https://example.com/").unwrap();
    let got = extract(
        "<h2>Head</h2><p>A <a href='x'>link</a><br>next&nbsp;line</p><pre>code</pre>",
        Some(&base),
        false,
    );
    assert_eq!(got.text, "Head\n\nA link\nnext line\n\ncode");
}

#[test]
fn entities() {
    assert_eq!(
        decode_entities("a &amp; b &lt;c&gt; &#39;q&#x27; &mdash; &unknown; & &#0; &"),
        "a & b <c> 'q' — &unknown; & &#0; &"
    );
}

#[test]
fn malformed_markup_degrades_to_text() {
    for page in [
        "a < b and c > d",
        "<p>unclosed <b>bold",
        "<a href=\"unterminated>text",
        "<",
        "</",
        "<!--",
        "<script>never closed",
        "<1abc>",
        "émoji 😀 <p>ünïcode</p>",
        "<p>See <a href='/x'><br>é link</a> <a href='/y'>   </a>end</p>",
        "<ScRiPt>x</sCrIpT>after",
    ] {
        // Must not panic; text must survive where there is some.
        let got = md(page);
        if page.starts_with("émoji") {
            assert_eq!(got.text, "émoji 😀\n\nünïcode");
        }
        if page.starts_with("<p>See") {
            assert_eq!(got.text, "See\n[é link](https://example.com/x) end");
        }
        if page.starts_with("<ScRiPt>") {
            assert_eq!(got.text, "after");
        }
        if page == "a < b and c > d" {
            assert_eq!(got.text, "a < b and c > d");
        }
    }
}

#[test]
fn tables_and_images() {
    let got = md(
        "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table><img src=x alt='A cat'>",
    );
    assert_eq!(got.text, "A B\n1 2\n\nA cat");
}

#[test]
fn html_sniffing() {
    assert!(looks_like_html("  <!DOCTYPE html><html>"));
    assert!(looks_like_html("<HTML lang=en>"));
    assert!(!looks_like_html("{\"a\": 1}"));
}

#[test]
fn attributes() {
    assert_eq!(
        attr(r#" class="x" href='/y' "#, "href").as_deref(),
        Some("/y")
    );
    assert_eq!(attr(" href=/z data-x", "href").as_deref(), Some("/z"));
    assert_eq!(attr(" HREF=\"a&amp;b\"", "href").as_deref(), Some("a&b"));
    assert_eq!(attr(" disabled", "href"), None);
}
