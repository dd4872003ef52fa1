use super::*;

fn shaped(text: &str) -> Option<(String, Option<ReplyTarget>)> {
    shape_reply(text).map(|r| (r.text, r.reply_to))
}

#[test]
fn silent_replies_send_nothing() {
    for silent in [
        "NO_REPLY",
        "  NO_REPLY  ",
        "NO_REPLY.",
        "NO_REPLY: nothing to add",
        "NO_REPLY\nbecause",
        "[[reply_to_current]] NO_REPLY",
    ] {
        assert_eq!(shaped(silent), None, "{silent:?}");
    }
    for loud in ["NO_REPLYING", "no_reply", "I said NO_REPLY", "NO_REPLY_X"] {
        assert!(shaped(loud).is_some(), "{loud:?}");
    }
}

#[test]
fn silent_prefixes_of_a_stream() {
    for maybe in ["NO", "NO_", "NO_REP", "NO_REPLY", " NO_REPLY and more"] {
        assert!(is_silent_prefix(maybe), "{maybe:?}");
    }
    for not in ["", "N", "No", "NOT", "NO REPLY", "hello"] {
        assert!(!is_silent_prefix(not), "{not:?}");
    }
}

#[test]
fn heartbeat_tokens_are_stripped_at_the_edges() {
    let cases = [
        ("HEARTBEAT_OK", None),
        ("  **HEARTBEAT_OK**  ", None),
        ("HEARTBEAT_OK HEARTBEAT_OK", None),
        ("HEARTBEAT_OK all good", Some("all good")),
        ("All good.\n\nHEARTBEAT_OK!", Some("All good.")),
        (
            "Line one\n  indented\nHEARTBEAT_OK",
            Some("Line one\n  indented"),
        ),
        ("`HEARTBEAT_OK` done", Some("done")),
        (
            "keep HEARTBEAT_OK in the middle",
            Some("keep HEARTBEAT_OK in the middle"),
        ),
        (
            "ends with HEARTBEAT_OK and more words",
            Some("ends with HEARTBEAT_OK and more words"),
        ),
        ("fooHEARTBEAT_OK", Some("fooHEARTBEAT_OK")),
        ("   ", None),
        ("plain", Some("plain")),
    ];
    for (input, expected) in cases {
        assert_eq!(strip_heartbeat(input).as_deref(), expected, "{input:?}");
    }
    assert_eq!(shaped("HEARTBEAT_OK"), None);
}

#[test]
fn reply_tags_are_parsed_and_removed() {
    let cases: Vec<(&str, &str, Option<ReplyTarget>)> = vec![
        (
            "[[reply_to_current]] Hello",
            "Hello",
            Some(ReplyTarget::Current),
        ),
        (
            "[[ REPLY_TO_CURRENT ]]\nHello\n  world",
            "Hello\n  world",
            Some(ReplyTarget::Current),
        ),
        (
            "Hi [[reply_to: 123 ]] there",
            "Hi there",
            Some(ReplyTarget::Message("123".into())),
        ),
        (
            "[[reply_to_current]][[reply_to:9]] x",
            "x",
            Some(ReplyTarget::Message("9".into())),
        ),
        (
            "[[reply_to:9]] [[reply_to_current]] x",
            "x",
            Some(ReplyTarget::Message("9".into())),
        ),
        (
            "a\n[[reply_to_current]]\nb",
            "a\nb",
            Some(ReplyTarget::Current),
        ),
        ("```\n  code\n```", "```\n  code\n```", None),
        ("[[reply_to:]] x", "[[reply_to:]] x", None),
        ("[[reply_to:a\nb]] x", "[[reply_to:a\nb]] x", None),
    ];
    for (input, text, target) in cases {
        assert_eq!(
            extract_reply_tags(input),
            (text.to_owned(), target),
            "{input:?}"
        );
    }
    assert_eq!(
        shaped("[[reply_to_current]] HEARTBEAT_OK Done"),
        Some(("Done".to_owned(), Some(ReplyTarget::Current)))
    );
}

#[test]
fn reply_to_mode_over_chunks() {
    let current = ReplyTarget::Current;
    assert_eq!(
        reply_targets(ReplyToMode::Off, Some(&current), 3),
        vec![None, None, None]
    );
    assert_eq!(
        reply_targets(ReplyToMode::First, Some(&current), 3),
        vec![Some(ReplyTarget::Current), None, None]
    );
    assert_eq!(
        reply_targets(ReplyToMode::All, Some(&current), 2),
        vec![Some(current.clone()), Some(current.clone())]
    );
    assert_eq!(reply_targets(ReplyToMode::All, None, 2), vec![None, None]);
    assert!(reply_targets(ReplyToMode::First, Some(&current), 0).is_empty());
    assert_eq!(ReplyToMode::parse("first"), Some(ReplyToMode::First));
    assert_eq!(ReplyToMode::parse("First"), None);
    assert_eq!(ReplyToMode::default().as_str(), "off");
}

#[test]
fn response_prefix_templates() {
    let ctx = PrefixContext {
        model_full: Some("anthropic/claude-opus-4-5-20251101".into()),
        provider: Some("anthropic".into()),
        thinking_level: Some("high".into()),
        identity_name: Some("Clawd".into()),
    };
    let cases = [
        (None, None),
        (Some("  "), None),
        (Some("auto"), Some("[Clawd]")),
        (Some("[{model}]"), Some("[claude-opus-4-5]")),
        (
            Some("{MODELFULL} {Provider} {think}/{thinkingLevel}"),
            Some("anthropic/claude-opus-4-5-20251101 anthropic high/high"),
        ),
        (
            Some("{identity.name}: {unknown} {x.y}"),
            Some("Clawd: {unknown} {x.y}"),
        ),
        (Some("🦞"), Some("🦞")),
    ];
    for (template, expected) in cases {
        assert_eq!(
            resolve_response_prefix(template, &ctx).as_deref(),
            expected,
            "{template:?}"
        );
    }
    let empty = PrefixContext::default();
    assert_eq!(resolve_response_prefix(Some("auto"), &empty), None);
    assert_eq!(
        resolve_response_prefix(Some("[{model}]"), &empty).as_deref(),
        Some("[{model}]")
    );
    assert_eq!(short_model_name("openai/gpt-5.2-latest"), "gpt-5.2");
    assert_eq!(short_model_name("gpt-4o"), "gpt-4o");
    assert_eq!(short_model_name("x/model-2025"), "model-2025");
}

#[test]
fn prefix_is_not_added_twice() {
    assert_eq!(apply_prefix("hello", Some("[Clawd]")), "[Clawd] hello");
    assert_eq!(
        apply_prefix("[Clawd] hello", Some("[Clawd]")),
        "[Clawd] hello"
    );
    assert_eq!(apply_prefix("hello", None), "hello");
    assert_eq!(apply_prefix("hello", Some(" ")), "hello");
}

#[test]
fn chat_errors() {
    assert_eq!(
        error_text(&ChatError::Failed("boom.".into())),
        "⚠️ Agent failed before reply: boom.\nLogs: openclaw logs --follow"
    );
    let long = "x".repeat(700);
    let text = error_text(&ChatError::Failed(long));
    assert!(text.contains(&format!("{}….", "x".repeat(600))), "{text}");
    assert!(!text.contains(&"x".repeat(601)));
    assert_eq!(
        error_text(&ChatError::ContextOverflow),
        "⚠️ Context overflow — prompt too large for this model. Try a shorter message or a larger-context model."
    );
    assert_eq!(
        error_text(&ChatError::RoleOrdering),
        "⚠️ Message ordering conflict - please try again. If this persists, use /new to start a fresh session."
    );
    assert_eq!(
        error_text(&ChatError::Overloaded),
        "The AI service is temporarily overloaded. Please try again in a moment."
    );
    assert_eq!(
        error_text(&ChatError::HistoryCorrupted),
        "⚠️ Session history was corrupted. I've reset the conversation - please try again!"
    );
}
