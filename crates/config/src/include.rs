//! `$include` resolution (spec §4.0 step 3).
//!
//! Semantics follow OpenClaw: `$include` is a string or an array of strings, resolved relative to
//! the file that contains it; an array deep-merges its files in order; sibling keys are merged
//! after (and override) the included content, which must then be an object; at most 10 nested
//! levels; a file that includes itself through any chain is `Circular include detected: a -> b -> a`.
//! Deep merge: arrays concatenate, objects merge recursively, anything else — last wins.
//!
//! Values and their [`SpanNode`] position trees are merged in lockstep so that every resolved path
//! still knows which file and line it came from.

use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::path::{PathSeg, format_path};
use crate::source::{ParsedSource, parse_source};
use crate::spans::{SpanChildren, SpanNode};

/// The key that pulls other files in.
pub const INCLUDE_KEY: &str = "$include";
/// How many files deep includes may nest.
pub const MAX_INCLUDE_DEPTH: usize = 10;

/// A value together with where it was written.
pub(crate) type Sourced = (Value, SpanNode);

pub(crate) struct IncludeResult {
    pub value: Value,
    pub spans: SpanNode,
    pub included_paths: Vec<PathBuf>,
}

/// Resolves every `$include` in `value` (the parsed main file at `config_path`).
pub(crate) fn resolve_includes(
    value: Value,
    spans: SpanNode,
    config_path: &Path,
) -> Result<IncludeResult, Box<Diagnostic>> {
    let root = normalize(config_path);
    let mut included_paths = Vec::new();
    let mut includer = Includer {
        current_file: root.clone(),
        chain: vec![root],
        depth: 0,
        included: &mut included_paths,
    };
    let mut path = Vec::new();
    let (value, spans) = includer.process((value, spans), &mut path)?;
    Ok(IncludeResult {
        value,
        spans,
        included_paths,
    })
}

struct Includer<'a> {
    current_file: PathBuf,
    chain: Vec<PathBuf>,
    depth: usize,
    included: &'a mut Vec<PathBuf>,
}

impl Includer<'_> {
    fn process(
        &mut self,
        (value, spans): Sourced,
        path: &mut Vec<PathSeg>,
    ) -> Result<Sourced, Box<Diagnostic>> {
        match value {
            Value::Array(items) => {
                let child_spans = take_items(spans.clone(), items.len());
                let mut out = Vec::with_capacity(items.len());
                let mut out_spans = Vec::with_capacity(items.len());
                for ((i, item), item_spans) in items.into_iter().enumerate().zip(child_spans) {
                    path.push(PathSeg::Index(i));
                    let (v, s) = self.process((item, item_spans), path)?;
                    path.pop();
                    out.push(v);
                    out_spans.push(s);
                }
                let node = SpanNode {
                    children: SpanChildren::Array(out_spans),
                    ..spans
                };
                Ok((Value::Array(out), node))
            }
            Value::Object(map) if map.contains_key(INCLUDE_KEY) => {
                self.process_include(map, spans, path)
            }
            Value::Object(map) => {
                let (members, node) = self.process_members(map, spans, path)?;
                Ok((Value::Object(members.0), node_with(node, members.1)))
            }
            other => Ok((other, spans)),
        }
    }

    #[allow(clippy::type_complexity)]
    fn process_members(
        &mut self,
        map: Map<String, Value>,
        spans: SpanNode,
        path: &mut Vec<PathSeg>,
    ) -> Result<((Map<String, Value>, Vec<(String, SpanNode)>), SpanNode), Box<Diagnostic>> {
        let mut member_spans = take_members(&spans);
        let mut out = Map::new();
        let mut out_spans = Vec::new();
        for (key, child) in map {
            if key == INCLUDE_KEY {
                continue;
            }
            let child_span = member_spans
                .iter()
                .position(|(k, _)| *k == key)
                .map(|i| member_spans.swap_remove(i).1)
                .unwrap_or_else(|| SpanNode::leaf(spans.value.clone()));
            path.push(PathSeg::Key(key.clone()));
            let (v, s) = self.process((child, child_span), path)?;
            path.pop();
            out.insert(key.clone(), v);
            out_spans.push((key, s));
        }
        Ok(((out, out_spans), spans))
    }

    fn process_include(
        &mut self,
        map: Map<String, Value>,
        spans: SpanNode,
        path: &mut Vec<PathSeg>,
    ) -> Result<Sourced, Box<Diagnostic>> {
        let include_path = [path.as_slice(), &[PathSeg::key(INCLUDE_KEY)]].concat();
        let include_location = spans.key_location(&[PathSeg::key(INCLUDE_KEY)]);
        let at = |message: String| {
            Box::new(
                Diagnostic::new(format_path(&include_path), message)
                    .with_location(Some(include_location.clone())),
            )
        };
        let directive = map.get(INCLUDE_KEY).cloned().unwrap_or(Value::Null);
        let has_siblings = map.keys().any(|k| k != INCLUDE_KEY);
        let (included, included_spans) = self.resolve_directive(&directive, &spans, path, &at)?;
        let outer_key = spans.key.clone();
        if !has_siblings {
            return Ok((included, with_key(included_spans, outer_key)));
        }
        if !included.is_object() {
            return Err(at(
                "Sibling keys require included content to be an object".to_string()
            ));
        }
        let ((rest, rest_spans), node) = self.process_members(map, spans, path)?;
        let rest_node = node_with(node, rest_spans);
        let (merged, merged_spans) =
            deep_merge((included, included_spans), (Value::Object(rest), rest_node));
        Ok((merged, with_key(merged_spans, outer_key)))
    }

    fn resolve_directive(
        &mut self,
        directive: &Value,
        spans: &SpanNode,
        path: &mut Vec<PathSeg>,
        at: &dyn Fn(String) -> Box<Diagnostic>,
    ) -> Result<Sourced, Box<Diagnostic>> {
        match directive {
            Value::String(file) => self.load_file(file, path, at),
            Value::Array(files) => {
                let mut acc: Sourced = (
                    Value::Object(Map::new()),
                    SpanNode {
                        key: None,
                        value: spans.value.clone(),
                        children: SpanChildren::Object(Vec::new()),
                    },
                );
                for item in files {
                    let Value::String(file) = item else {
                        return Err(at(format!(
                            "Invalid $include array item: expected string, got {}",
                            js_type(item)
                        )));
                    };
                    let loaded = self.load_file(file, path, at)?;
                    acc = deep_merge(acc, loaded);
                }
                Ok(acc)
            }
            other => Err(at(format!(
                "Invalid $include value: expected string or array of strings, got {}",
                js_type(other)
            ))),
        }
    }

    fn load_file(
        &mut self,
        include: &str,
        path: &mut Vec<PathSeg>,
        at: &dyn Fn(String) -> Box<Diagnostic>,
    ) -> Result<Sourced, Box<Diagnostic>> {
        let base_dir = self.current_file.parent().unwrap_or(Path::new("/"));
        let resolved = normalize(&base_dir.join(include));
        if self.chain.contains(&resolved) {
            let chain: Vec<String> = self
                .chain
                .iter()
                .chain(std::iter::once(&resolved))
                .map(|p| p.display().to_string())
                .collect();
            return Err(at(format!(
                "Circular include detected: {}",
                chain.join(" -> ")
            )));
        }
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(at(format!(
                "Maximum include depth ({MAX_INCLUDE_DEPTH}) exceeded at: {include}"
            )));
        }
        let raw = std::fs::read_to_string(&resolved).map_err(|err| {
            at(format!(
                "Failed to read include file: {include} (resolved: {}): {err}",
                resolved.display()
            ))
        })?;
        let ParsedSource { value, spans } = parse_source(&raw, &resolved).map_err(|d| {
            let place = d
                .location
                .as_ref()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default();
            at(format!(
                "Failed to parse include file: {include} (resolved: {}): {}{place}",
                resolved.display(),
                d.message
            ))
        })?;
        if !self.included.contains(&resolved) {
            self.included.push(resolved.clone());
        }
        let mut nested = Includer {
            current_file: resolved.clone(),
            chain: self
                .chain
                .iter()
                .cloned()
                .chain(std::iter::once(resolved))
                .collect(),
            depth: self.depth + 1,
            included: self.included,
        };
        nested.process((value, spans), path)
    }
}

/// Deep merge used by `$include`: arrays concatenate, objects merge recursively, otherwise the
/// source wins. Position trees follow the same rule.
pub(crate) fn deep_merge(target: Sourced, source: Sourced) -> Sourced {
    match (target, source) {
        ((Value::Array(mut a), a_spans), (Value::Array(b), b_spans)) => {
            let mut items = take_items(a_spans.clone(), a.len());
            items.extend(take_items(b_spans, b.len()));
            a.extend(b);
            let node = SpanNode {
                children: SpanChildren::Array(items),
                ..a_spans
            };
            (Value::Array(a), node)
        }
        ((Value::Object(mut a), a_spans), (Value::Object(b), b_spans)) => {
            let mut a_members = take_members(&a_spans);
            let mut b_members = take_members(&b_spans);
            for (key, b_value) in b {
                let b_span = pop_member(&mut b_members, &key, &b_spans);
                // Merge in place: an existing key keeps its position (like JS object spread).
                match a.get_mut(&key) {
                    Some(slot) => {
                        let a_value = std::mem::take(slot);
                        let a_span = pop_member(&mut a_members, &key, &a_spans);
                        let (merged, merged_span) =
                            deep_merge((a_value, a_span), (b_value, b_span));
                        *slot = merged;
                        a_members.push((key, merged_span));
                    }
                    None => {
                        a.insert(key.clone(), b_value);
                        a_members.push((key, b_span));
                    }
                }
            }
            // Keep span members in the same order as the merged map.
            let ordered = a
                .keys()
                .map(|k| {
                    let span = pop_member(&mut a_members, k, &a_spans);
                    (k.clone(), span)
                })
                .collect();
            (Value::Object(a), node_with(a_spans, ordered))
        }
        (_, source) => source,
    }
}

fn pop_member(members: &mut Vec<(String, SpanNode)>, key: &str, parent: &SpanNode) -> SpanNode {
    members
        .iter()
        .position(|(k, _)| k == key)
        .map(|i| members.remove(i).1)
        .unwrap_or_else(|| SpanNode::leaf(parent.value.clone()))
}

fn take_members(spans: &SpanNode) -> Vec<(String, SpanNode)> {
    match &spans.children {
        SpanChildren::Object(members) => members.clone(),
        _ => Vec::new(),
    }
}

fn take_items(spans: SpanNode, len: usize) -> Vec<SpanNode> {
    let fallback = SpanNode::leaf(spans.value.clone());
    let mut items = match spans.children {
        SpanChildren::Array(items) => items,
        _ => Vec::new(),
    };
    items.resize(len, fallback);
    items
}

fn node_with(node: SpanNode, members: Vec<(String, SpanNode)>) -> SpanNode {
    SpanNode {
        children: SpanChildren::Object(members),
        ..node
    }
}

fn with_key(node: SpanNode, key: Option<crate::spans::Spot>) -> SpanNode {
    SpanNode {
        key: key.or(node.key),
        ..node
    }
}

/// JavaScript's `typeof` wording, used in OpenClaw's include error messages.
fn js_type(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null | Value::Array(_) | Value::Object(_) => "object",
    }
}

/// Lexical normalization (like Node's `path.normalize`): drops `.` and resolves `..` without
/// touching the filesystem, so cycle detection compares the same spelling OpenClaw compares.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
