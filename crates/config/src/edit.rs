//! Editing helpers for `config get|set|unset`, `config.patch` and the Control UI's save path.

use serde_json::{Map, Value};

use crate::error::{EditError, PathSyntaxError};
use crate::path::{PathSeg, format_path, parse_path};
use crate::redact::REDACTED;

/// RFC 7396 JSON merge patch: objects merge recursively, `null` deletes, everything else
/// (arrays included) replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.shift_remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// Replaces every `"__OPENCLAW_REDACTED__"` in a submitted config with the value at the same path
/// in `original`, so a client that received a redacted config can send it back unchanged without
/// wiping secrets. Placeholders with no original value are removed (never written to disk);
/// their paths are returned.
pub fn restore_redacted(new: &mut Value, original: &Value) -> Vec<String> {
    let mut unresolved = Vec::new();
    let mut path = Vec::new();
    restore(new, Some(original), &mut path, &mut unresolved);
    unresolved
}

fn restore(
    value: &mut Value,
    original: Option<&Value>,
    path: &mut Vec<PathSeg>,
    unresolved: &mut Vec<String>,
) {
    match value {
        Value::Object(map) => {
            let mut drop = Vec::new();
            for (key, child) in map.iter_mut() {
                let orig = original.and_then(|o| o.get(key));
                path.push(PathSeg::Key(key.clone()));
                if is_placeholder(child) {
                    match orig {
                        Some(o) => *child = o.clone(),
                        None => {
                            unresolved.push(format_path(path));
                            drop.push(key.clone());
                        }
                    }
                } else {
                    restore(child, orig, path, unresolved);
                }
                path.pop();
            }
            for key in drop {
                map.shift_remove(&key);
            }
        }
        Value::Array(items) => {
            let mut keep = Vec::with_capacity(items.len());
            for (i, mut item) in std::mem::take(items).into_iter().enumerate() {
                let orig = original.and_then(|o| o.get(i));
                path.push(PathSeg::Index(i));
                if is_placeholder(&item) {
                    match orig {
                        Some(o) => keep.push(o.clone()),
                        None => unresolved.push(format_path(path)),
                    }
                } else {
                    restore(&mut item, orig, path, unresolved);
                    keep.push(item);
                }
                path.pop();
            }
            *items = keep;
        }
        _ => {}
    }
}

fn is_placeholder(v: &Value) -> bool {
    v.as_str() == Some(REDACTED)
}

/// JSON kind names used in messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The value at a CLI path (`agents.list[0].id`), if present. A numeric key indexes an array.
pub fn get_path<'a>(root: &'a Value, path: &str) -> Result<Option<&'a Value>, PathSyntaxError> {
    let segments = parse_path(path)?;
    Ok(segments
        .iter()
        .try_fold(root, |node, seg| match (node, seg) {
            (Value::Object(map), PathSeg::Key(k)) => map.get(k),
            (Value::Array(items), PathSeg::Index(i)) => items.get(*i),
            (Value::Array(items), PathSeg::Key(k)) => {
                k.parse::<usize>().ok().and_then(|i| items.get(i))
            }
            _ => None,
        }))
}

/// Sets the value at a CLI path, creating missing intermediate objects (or an array when the
/// next segment is an index). Index == length appends; larger indices are an error.
pub fn set_path(root: &mut Value, path: &str, value: Value) -> Result<(), EditError> {
    let segments = parse_path(path)?;
    if segments.is_empty() {
        return Err(EditError::EmptyPath);
    }
    let mut node = root;
    for (depth, seg) in segments.iter().enumerate() {
        let is_last = depth + 1 == segments.len();
        let next_is_index = matches!(segments.get(depth + 1), Some(PathSeg::Index(_)));
        let here = format_path(&segments[..depth]);
        if node.is_null() {
            *node = match seg {
                PathSeg::Index(_) => Value::Array(Vec::new()),
                PathSeg::Key(_) => Value::Object(Map::new()),
            };
        }
        let fresh = || {
            if next_is_index {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        };
        node = match (node, seg) {
            (Value::Object(map), PathSeg::Key(k)) => {
                if is_last {
                    map.insert(k.clone(), value);
                    return Ok(());
                }
                map.entry(k.clone()).or_insert_with(fresh)
            }
            (Value::Array(items), seg) => {
                let index = array_index(seg, &here)?;
                let len = items.len();
                if index > len {
                    return Err(EditError::IndexOutOfRange {
                        at: here,
                        index,
                        len,
                    });
                }
                if is_last {
                    if index == len {
                        items.push(value);
                    } else {
                        items[index] = value;
                    }
                    return Ok(());
                }
                if index == len {
                    items.push(fresh());
                }
                &mut items[index]
            }
            (other, seg) => {
                return Err(EditError::NotAContainer {
                    at: display_root(&here),
                    segment: describe_segment(seg),
                    found: json_kind(other),
                    expected: match seg {
                        PathSeg::Key(_) => "an object",
                        PathSeg::Index(_) => "an array",
                    },
                });
            }
        };
    }
    Ok(())
}

/// Removes the value at a CLI path; returns whether something was removed. Removing an array
/// element shifts the following elements down.
pub fn unset_path(root: &mut Value, path: &str) -> Result<bool, EditError> {
    let segments = parse_path(path)?;
    let Some((last, parents)) = segments.split_last() else {
        return Err(EditError::EmptyPath);
    };
    let mut node = root;
    for seg in parents {
        let next = match (node, seg) {
            (Value::Object(map), PathSeg::Key(k)) => map.get_mut(k),
            (Value::Array(items), PathSeg::Index(i)) => items.get_mut(*i),
            (Value::Array(items), PathSeg::Key(k)) => match k.parse::<usize>() {
                Ok(i) => items.get_mut(i),
                Err(_) => None,
            },
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return Ok(false),
        }
    }
    Ok(match (node, last) {
        (Value::Object(map), PathSeg::Key(k)) => map.shift_remove(k).is_some(),
        (Value::Array(items), seg) => match array_index(seg, "") {
            Ok(i) if i < items.len() => {
                items.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    })
}

fn array_index(seg: &PathSeg, at: &str) -> Result<usize, EditError> {
    match seg {
        PathSeg::Index(i) => Ok(*i),
        PathSeg::Key(k) => k.parse::<usize>().map_err(|_| EditError::NotAContainer {
            at: display_root(at),
            segment: describe_segment(seg),
            found: "an array",
            expected: "an object",
        }),
    }
}

fn display_root(path: &str) -> String {
    if path.is_empty() {
        "the config root".to_string()
    } else {
        path.to_string()
    }
}

fn describe_segment(seg: &PathSeg) -> String {
    match seg {
        PathSeg::Key(k) => format!("key \"{k}\""),
        PathSeg::Index(i) => format!("index [{i}]"),
    }
}

/// Parses a CLI value: JSON5 when it parses (`3000`, `true`, `["a"]`, `{a: 1}`, `"quoted"`),
/// otherwise the raw text as a string (`loopback`, `anthropic/claude-opus-4-5`).
pub fn parse_cli_value(raw: &str) -> Value {
    json5::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_rfc7396_examples() {
        // The test cases from RFC 7396 Appendix A.
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!([1, 2]),
                json!({"a": "b", "c": null}),
                json!({"a": "b"}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (mut target, patch, expected) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, expected, "patch {patch}");
        }
    }

    #[test]
    fn deletions_keep_the_order_of_the_remaining_keys() {
        let mut v = json!({"a": 1, "b": 2, "c": 3, "d": 4});
        merge_patch(&mut v, &json!({"b": null, "e": 5}));
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"a":1,"c":3,"d":4,"e":5}"#
        );
        unset_path(&mut v, "a").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"c":3,"d":4,"e":5}"#);
        let mut submitted = json!({"x": REDACTED, "y": 1, "z": 2});
        restore_redacted(&mut submitted, &json!({}));
        assert_eq!(
            serde_json::to_string(&submitted).unwrap(),
            r#"{"y":1,"z":2}"#
        );
    }

    #[test]
    fn restore_redacted_brings_back_originals() {
        let original = json!({"gateway": {"auth": {"token": "s3cret"}}, "list": ["k1", "k2"]});
        let mut submitted = json!({
            "gateway": {"auth": {"token": REDACTED}, "port": 1},
            "list": [REDACTED, "new", REDACTED],
            "hooks": {"token": REDACTED}
        });
        let unresolved = restore_redacted(&mut submitted, &original);
        assert_eq!(
            submitted,
            json!({"gateway": {"auth": {"token": "s3cret"}, "port": 1}, "list": ["k1", "new"], "hooks": {}})
        );
        assert_eq!(unresolved, vec!["list[2]", "hooks.token"]);
    }

    #[test]
    fn get_set_unset_paths() {
        let mut v = json!({"agents": {"list": [{"id": "main"}]}});
        assert_eq!(
            get_path(&v, "agents.list[0].id").unwrap(),
            Some(&json!("main"))
        );
        assert_eq!(
            get_path(&v, "agents.list.0.id").unwrap(),
            Some(&json!("main"))
        );
        assert_eq!(get_path(&v, "agents.nope").unwrap(), None);
        assert!(get_path(&v, "agents..x").is_err());

        set_path(
            &mut v,
            "channels.discord.guilds[\"123\"].requireMention",
            json!(false),
        )
        .unwrap();
        assert_eq!(
            v["channels"]["discord"]["guilds"]["123"]["requireMention"],
            json!(false)
        );
        set_path(&mut v, "agents.list[1].id", json!("ops")).unwrap();
        assert_eq!(v["agents"]["list"][1]["id"], "ops");
        set_path(&mut v, "agents.list[0].id", json!("primary")).unwrap();
        assert_eq!(v["agents"]["list"][0]["id"], "primary");
        set_path(&mut v, "tools.allow[0]", json!("exec")).unwrap();
        assert_eq!(v["tools"]["allow"], json!(["exec"]));

        let err = set_path(&mut v, "agents.list[5].id", json!("x")).unwrap_err();
        assert_eq!(
            err,
            EditError::IndexOutOfRange {
                at: "agents.list".into(),
                index: 5,
                len: 2
            }
        );
        let err = set_path(&mut v, "agents.list[0].id.deeper", json!(1)).unwrap_err();
        assert!(err.to_string().contains("agents.list[0].id"), "{err}");
        assert_eq!(
            set_path(&mut v, "", json!(1)).unwrap_err(),
            EditError::EmptyPath
        );

        assert!(unset_path(&mut v, "agents.list[0]").unwrap());
        assert_eq!(v["agents"]["list"][0]["id"], "ops");
        assert!(unset_path(&mut v, "channels.discord").unwrap());
        assert!(!unset_path(&mut v, "channels.discord").unwrap());
        assert!(!unset_path(&mut v, "nothing.here.at.all").unwrap());
    }

    #[test]
    fn cli_values_are_json5_else_strings() {
        assert_eq!(parse_cli_value("3000"), json!(3000));
        assert_eq!(parse_cli_value("true"), json!(true));
        assert_eq!(
            parse_cli_value("{a: 1, 'b': [2,]}"),
            json!({"a": 1, "b": [2]})
        );
        assert_eq!(parse_cli_value("\"quoted\""), json!("quoted"));
        assert_eq!(parse_cli_value("loopback"), json!("loopback"));
        assert_eq!(
            parse_cli_value("anthropic/claude-opus-4-5"),
            json!("anthropic/claude-opus-4-5")
        );
        assert_eq!(parse_cli_value("null"), json!(null));
    }
}
