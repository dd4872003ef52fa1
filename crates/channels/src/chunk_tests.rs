use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

fn opts(limit: usize, max_lines: Option<usize>) -> ChunkOptions {
    ChunkOptions {
        limit_chars: limit,
        max_lines,
        mode: ChunkMode::Length,
    }
}

fn discord() -> ChunkOptions {
    opts(2000, Some(17))
}

fn non_ws(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Removes the fence lines the chunker added, so the rest can be compared with the input.
fn strip_added(chunk: &Chunk) -> String {
    let mut text = chunk.text.as_str();
    if chunk.reopened_fence {
        text = text.split_once('\n').map_or("", |(_, rest)| rest);
    }
    if chunk.closed_fence {
        text = text.rsplit_once('\n').map_or("", |(head, _)| head);
    }
    text.to_owned()
}

fn unclosed_fences(text: &str) -> usize {
    parse_fences(text)
        .iter()
        .filter(|f| f.close_start == text.len() && f.close_end == text.len())
        .count()
}

/// The invariants every split must keep.
fn check(text: &str, options: &ChunkOptions) -> Vec<Chunk> {
    let chunks = chunk_text_detailed(text, options);
    let input_balanced = unclosed_fences(text) == 0;
    for chunk in &chunks {
        assert!(!chunk.text.trim().is_empty(), "empty chunk for {text:?}");
        assert!(
            utf16_len(&chunk.text) <= options.limit_chars,
            "chunk over {} units ({}): {:?}\nfrom {text:?}",
            options.limit_chars,
            utf16_len(&chunk.text),
            chunk.text
        );
        if let Some(max) = options.max_lines {
            assert!(
                chunk.text.split('\n').count() <= max,
                "chunk over {max} lines: {:?}",
                chunk.text
            );
        }
        if input_balanced {
            assert_eq!(
                unclosed_fences(&chunk.text),
                0,
                "unbalanced fence in {:?}\nfrom {text:?}",
                chunk.text
            );
        }
    }
    let rebuilt: String = chunks.iter().map(strip_added).collect::<Vec<_>>().join("");
    assert_eq!(
        non_ws(&rebuilt),
        non_ws(text),
        "content changed for {text:?}"
    );
    chunks
}

#[test]
fn short_text_is_one_chunk_and_blank_text_none() {
    assert_eq!(chunk_text("hello", &discord()), ["hello"]);
    assert_eq!(chunk_text("  hi there \n\n", &discord()), ["  hi there"]);
    assert!(chunk_text("", &discord()).is_empty());
    assert!(chunk_text(" \n\t\n", &discord()).is_empty());
    assert_eq!(chunk_text("a\r\nb", &discord()), ["a\nb"]);
}

#[test]
fn prefers_paragraph_then_newline_then_sentence_then_space() {
    let options = opts(30, None);
    // Paragraph break past half-way wins over the later newline.
    let text = "aaaa aaaa aaaa aaaa\n\nbbbb\ncc dd ee ff gg";
    assert_eq!(
        chunk_text(text, &options),
        ["aaaa aaaa aaaa aaaa", "bbbb\ncc dd ee ff gg"]
    );
    // A newline beats a sentence end.
    let text = "one. two three four\nfive six seven eight";
    assert_eq!(
        chunk_text(text, &options),
        ["one. two three four", "five six seven eight"]
    );
    // A sentence end beats a later space.
    let text = "one two three four. five six seven eight";
    assert_eq!(
        chunk_text(text, &options),
        ["one two three four.", "five six seven eight"]
    );
    // Otherwise the last space.
    let text = "one two three four five six seven eight";
    assert_eq!(
        chunk_text(text, &options),
        ["one two three four five six", "seven eight"]
    );
    // No break at all: a hard cut.
    let text = "x".repeat(65);
    assert_eq!(
        chunk_text(&text, &options),
        ["x".repeat(30), "x".repeat(30), "x".repeat(5)]
    );
}

#[test]
fn an_early_paragraph_break_does_not_make_a_tiny_chunk() {
    let text = "Hi.\n\nthis is a much longer line of text that goes on";
    let chunks = chunk_text(text, &opts(40, None));
    assert_eq!(chunks[0], "Hi.\n\nthis is a much longer line of text");
    let text = "Hi.\n\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    // With nothing later, the early break is still better than a hard cut.
    assert_eq!(chunk_text(text, &opts(40, None))[0], "Hi.");
}

#[test]
fn line_limit_splits_tall_messages() {
    let text: String = (1..=40).map(|i| format!("line {i}\n")).collect();
    let chunks = check(&text, &discord());
    assert_eq!(chunks.len(), 3);
    assert_eq!(chunks[0].text.lines().count(), 17);
    assert_eq!(chunks[0].text.lines().next(), Some("line 1"));
    assert_eq!(chunks[1].text.lines().next(), Some("line 18"));
    assert_eq!(chunks[2].text.lines().last(), Some("line 40"));
}

#[test]
fn code_fences_are_closed_and_reopened() {
    let code: String = (0..30).map(|i| format!("let x{i} = {i};\n")).collect();
    let text = format!("Here you go:\n\n```rust\n{code}```\nDone.");
    let chunks = check(&text, &opts(200, None));
    assert!(chunks.len() >= 3, "{chunks:#?}");
    assert!(chunks[0].closed_fence && !chunks[0].reopened_fence);
    assert!(
        chunks[0]
            .text
            .starts_with("Here you go:\n\n```rust\nlet x0")
    );
    assert!(chunks[0].text.ends_with(";\n```"), "{:?}", chunks[0].text);
    assert!(chunks[1].reopened_fence);
    assert!(
        chunks[1].text.starts_with("```rust\nlet x"),
        "{:?}",
        chunks[1].text
    );
    let last = chunks.last().unwrap();
    assert!(last.text.ends_with("```\nDone."), "{:?}", last.text);
}

#[test]
fn prose_break_before_a_fence_is_preferred_to_splitting_it() {
    let code = "x = 1\n".repeat(10);
    let text = format!("{}\n```py\n{code}```", "word ".repeat(12).trim_end());
    let chunks = check(&text, &opts(100, None));
    assert_eq!(chunks[0].text, "word ".repeat(12).trim_end());
    assert!(!chunks[0].closed_fence);
    assert!(chunks[1].text.starts_with("```py\n"));
}

#[test]
fn tilde_fences_and_long_code_lines() {
    let text = format!("~~~~text\n{}\n~~~~", "y".repeat(130));
    let chunks = check(&text, &opts(50, None));
    for chunk in &chunks[..chunks.len() - 1] {
        assert!(
            chunk.text.starts_with("~~~~text\n") && chunk.text.ends_with("\n~~~~"),
            "{chunk:?}"
        );
    }
}

#[test]
fn fence_markers_inside_code_and_inline_backticks() {
    let text = "```md\n~~~\nnot a close\n```\nafter ``` inline";
    assert_eq!(parse_fences(text).len(), 1);
    check(text, &opts(12, None));
    let text = "````\n```\ninner\n```\n````";
    let fences = parse_fences(text);
    assert_eq!(fences.len(), 1);
    assert_eq!(fences[0].close_line, "````");
}

#[test]
fn utf16_counting() {
    assert_eq!(utf16_len("é"), 1);
    assert_eq!(utf16_len("😀"), 2);
    let text = "😀".repeat(5);
    let chunks = chunk_text(&text, &opts(4, None));
    assert_eq!(chunks, ["😀😀", "😀😀", "😀"]);
}

#[test]
fn newline_mode_sends_each_paragraph() {
    let options = ChunkOptions {
        mode: ChunkMode::Newline,
        ..discord()
    };
    let text = "first\n\n  second\n \n\nthird\n```\ncode\n\nmore code\n```";
    assert_eq!(
        chunk_text(text, &options),
        ["first", "  second", "third\n```\ncode\n\nmore code\n```"]
    );
    let long = format!("short\n\n{}", "word ".repeat(50));
    let chunks = chunk_text(
        &long,
        &ChunkOptions {
            limit_chars: 60,
            ..options
        },
    );
    assert_eq!(chunks[0], "short");
    assert!(chunks.len() > 2);
}

#[test]
fn unclosed_fence_in_input_stays_as_is_but_fits() {
    let text = format!("```js\n{}", "a();\n".repeat(40));
    let chunks = check(&text, &opts(60, Some(17)));
    assert!(
        chunks.iter().all(|c| c.text.starts_with("```js")),
        "{chunks:#?}"
    );
}

#[test]
fn tiny_limits_still_make_progress() {
    for limit in [0, 1, 2, 3, 5] {
        let text = "```\nab cd\n```\n😀😀 x";
        let chunks = chunk_text(text, &opts(limit, Some(1)));
        assert!(!chunks.is_empty());
        assert!(
            chunks.iter().all(|c| utf16_len(c) <= limit.max(2)),
            "{limit}: {chunks:?}"
        );
    }
}

const WORDS: &[&str] = &[
    "a",
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "é",
    "naïve",
    "日本語",
    "😀",
    "🦞🦞",
    "(paren)",
    "x",
    "supercalifragilistic",
];

fn random_text(rng: &mut StdRng) -> String {
    let mut out = String::new();
    let blocks = rng.random_range(1..12);
    for _ in 0..blocks {
        match rng.random_range(0..10) {
            0..=4 => {
                let words = rng.random_range(1..60);
                for i in 0..words {
                    if i > 0 {
                        out.push(match rng.random_range(0..12) {
                            0 => '\n',
                            1 => '\t',
                            _ => ' ',
                        });
                    }
                    out.push_str(WORDS[rng.random_range(0..WORDS.len())]);
                    if rng.random_range(0..8) == 0 {
                        out.push(['.', '!', '?'][rng.random_range(0..3)]);
                    }
                }
            }
            5 | 6 => {
                let marker = if rng.random_bool(0.8) { "```" } else { "~~~~" };
                let info = ["", "rust", "py", "json"][rng.random_range(0..4)];
                out.push_str(&format!("{marker}{info}\n"));
                for _ in 0..rng.random_range(0..25) {
                    let indent = " ".repeat(rng.random_range(0..6));
                    let len = rng.random_range(0..70);
                    let line: String = (0..len)
                        .map(|_| ['a', 'b', ' ', '(', ')', ';', '😀'][rng.random_range(0..7)])
                        .collect();
                    out.push_str(&format!("{indent}{line}\n"));
                }
                out.push_str(marker);
            }
            7 => out.push_str(&"z".repeat(rng.random_range(50..300))),
            8 => out.push_str("- item one\n- item two\n  - nested"),
            _ => out.push_str(&"\n".repeat(rng.random_range(1..4))),
        }
        out.push_str(["\n\n", "\n", " ", "\n \n"][rng.random_range(0..4)]);
    }
    out
}

#[test]
fn random_documents_keep_every_invariant() {
    let mut rng = StdRng::seed_from_u64(0x5eed_c0de);
    let (mut chunks_seen, mut reopened, mut hard_lines) = (0, 0, 0);
    for round in 0..1500 {
        let text = random_text(&mut rng);
        let limit = rng.random_range(40..400);
        let max_lines = if rng.random_bool(0.5) {
            Some(rng.random_range(3..20))
        } else {
            None
        };
        let mode = if round % 3 == 0 {
            ChunkMode::Newline
        } else {
            ChunkMode::Length
        };
        let chunks = check(
            &text,
            &ChunkOptions {
                limit_chars: limit,
                max_lines,
                mode,
            },
        );
        chunks_seen += chunks.len();
        reopened += chunks.iter().filter(|c| c.reopened_fence).count();
        hard_lines += chunks
            .iter()
            .filter(|c| max_lines.is_some_and(|m| c.text.split('\n').count() == m))
            .count();
    }
    // The generator really exercises splitting, fence reopening and the line limit.
    assert!(chunks_seen > 5000, "{chunks_seen}");
    assert!(reopened > 500, "{reopened}");
    assert!(hard_lines > 200, "{hard_lines}");
}

#[test]
fn random_documents_at_discord_limits() {
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..200 {
        let text: String = (0..rng.random_range(1..8))
            .map(|_| random_text(&mut rng))
            .collect();
        check(&text, &discord());
    }
}

#[test]
fn large_documents_with_many_fences() {
    let block = "Some prose here. More words follow\n```rust\nfn main() {}\nlet x = 1;\n```\n\n";
    let text = block.repeat(3000);
    let chunks = check(&text, &discord());
    assert!(chunks.len() > 100);
}
