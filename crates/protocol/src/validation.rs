//! A small JSON-Schema subset validator that reports problems in the exact words the
//! OpenClaw gateway sends back to clients.
//!
//! OpenClaw validates frames and params with `ajv` (`allErrors: true`) and renders the
//! error list with its own formatter: `at /client/id: must be equal to constant`,
//! `at root: unexpected property 'extraField'`, joined by `"; "` and de-duplicated.
//! Clients and scripts match on those strings, so this module reproduces both ajv's
//! *order* of checks (per object: `required`, then unknown keys, then each declared
//! property in declaration order) and its message wording. Only the keywords OpenClaw's
//! schemas actually use are supported.

use serde_json::{Map, Value};

/// One schema node. Build object schemas with [`ObjectSchema`].
#[derive(Debug, Clone)]
pub enum Schema {
    /// Accepts anything (`Type.Unknown()`).
    Any,
    /// A JSON boolean.
    Boolean,
    /// A string, with optional length bounds counted in Unicode scalar values.
    String {
        /// Minimum length (`0` = no minimum).
        min_length: usize,
        /// Maximum length, if bounded.
        max_length: Option<usize>,
    },
    /// A JSON number without fractional part, with an optional lower bound.
    Integer {
        /// Inclusive minimum, if any.
        minimum: Option<i64>,
    },
    /// A string literal (`Type.Literal("req")`).
    Const(&'static str),
    /// One of several string literals (`Type.Union([Type.Literal(..), ..])`).
    StringEnum(&'static [&'static str]),
    /// An array whose items all match the inner schema.
    Array(Box<Schema>),
    /// An object whose values all match the inner schema (`Type.Record`).
    Record(Box<Schema>),
    /// An object with declared properties.
    Object(ObjectSchema),
    /// Matches when at least one branch matches (`Type.Union` of objects).
    AnyOf(Vec<Schema>),
}

impl Schema {
    /// A string of at least one character (OpenClaw's `NonEmptyString`).
    pub fn non_empty_string() -> Self {
        Self::String {
            min_length: 1,
            max_length: None,
        }
    }

    /// Any string.
    pub fn string() -> Self {
        Self::String {
            min_length: 0,
            max_length: None,
        }
    }

    /// A string of `min..=max` characters.
    pub fn bounded_string(min_length: usize, max_length: usize) -> Self {
        Self::String {
            min_length,
            max_length: Some(max_length),
        }
    }

    /// An integer `>= minimum`.
    pub fn integer_at_least(minimum: i64) -> Self {
        Self::Integer {
            minimum: Some(minimum),
        }
    }

    /// An array of `items`.
    pub fn array_of(items: Schema) -> Self {
        Self::Array(Box::new(items))
    }

    /// A map from any key to `values`.
    pub fn record_of(values: Schema) -> Self {
        Self::Record(Box::new(values))
    }
}

/// An object schema: declared properties (in declaration order, which decides the
/// order of reported problems), which of them are required, and whether unknown keys
/// are rejected (`additionalProperties: false`).
#[derive(Debug, Clone, Default)]
pub struct ObjectSchema {
    properties: Vec<(&'static str, Schema)>,
    required: Vec<&'static str>,
    closed: bool,
}

impl ObjectSchema {
    /// An object that rejects unknown keys, like every OpenClaw protocol object.
    pub fn closed() -> Self {
        Self {
            closed: true,
            ..Self::default()
        }
    }

    /// An object that tolerates unknown keys.
    pub fn open() -> Self {
        Self::default()
    }

    /// Declares a required property.
    #[must_use]
    pub fn required(mut self, name: &'static str, schema: Schema) -> Self {
        self.required.push(name);
        self.properties.push((name, schema));
        self
    }

    /// Declares an optional property.
    #[must_use]
    pub fn optional(mut self, name: &'static str, schema: Schema) -> Self {
        self.properties.push((name, schema));
        self
    }

    /// Wraps this object schema into a [`Schema`].
    pub fn into_schema(self) -> Schema {
        Schema::Object(self)
    }
}

/// What is wrong at one place in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    /// The value has the wrong JSON type (`"string"`, `"object"`, ...).
    WrongType(&'static str),
    /// A required property is absent.
    MissingProperty(String),
    /// A property is present that the (closed) object does not declare.
    UnexpectedProperty(String),
    /// A string is shorter than allowed.
    TooShort(usize),
    /// A string is longer than allowed.
    TooLong(usize),
    /// A number is below the minimum.
    BelowMinimum(i64),
    /// A value differs from the literal it must equal.
    NotConstant,
    /// No branch of a union matched.
    NoUnionBranch,
}

/// One validation problem: where (a JSON pointer, `""` for the root) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// JSON pointer of the offending value, ajv's `instancePath`.
    pub instance_path: String,
    /// The problem.
    pub kind: IssueKind,
}

impl Issue {
    /// Renders this issue the way OpenClaw's `formatValidationErrors` does.
    pub fn render(&self) -> String {
        if let IssueKind::UnexpectedProperty(name) = &self.kind
            && !name.trim().is_empty()
        {
            let location = if self.instance_path.is_empty() {
                "at root".to_string()
            } else {
                format!("at {}", self.instance_path)
            };
            return format!("{location}: unexpected property '{name}'");
        }
        let message = match &self.kind {
            IssueKind::WrongType(expected) => format!("must be {expected}"),
            IssueKind::MissingProperty(name) => format!("must have required property '{name}'"),
            // ajv's own wording, used when the key is blank and the formatter falls back.
            IssueKind::UnexpectedProperty(_) => "must NOT have additional properties".to_string(),
            IssueKind::TooShort(limit) => format!("must NOT have fewer than {limit} characters"),
            IssueKind::TooLong(limit) => format!("must NOT have more than {limit} characters"),
            IssueKind::BelowMinimum(limit) => format!("must be >= {limit}"),
            IssueKind::NotConstant => "must be equal to constant".to_string(),
            IssueKind::NoUnionBranch => "must match a schema in anyOf".to_string(),
        };
        if self.instance_path.is_empty() {
            message
        } else {
            format!("at {}: {message}", self.instance_path)
        }
    }
}

/// Validates `value` against `schema`, returning every problem in ajv's order.
pub fn validate(schema: &Schema, value: &Value) -> Vec<Issue> {
    let mut issues = Vec::new();
    check(schema, value, "", &mut issues);
    issues
}

/// Joins rendered issues with `"; "`, dropping repeats while keeping first occurrences,
/// exactly like OpenClaw (an empty list renders as `unknown validation error`).
pub fn format_issues(issues: &[Issue]) -> String {
    let mut seen: Vec<String> = Vec::with_capacity(issues.len());
    for issue in issues {
        let rendered = issue.render();
        if !seen.contains(&rendered) {
            seen.push(rendered);
        }
    }
    if seen.is_empty() {
        "unknown validation error".to_string()
    } else {
        seen.join("; ")
    }
}

/// True for JSON numbers without a fractional part, the way JavaScript sees them
/// (`3.0` is an integer there, so it must be one here too).
pub fn is_json_integer(value: &Value) -> bool {
    match value {
        Value::Number(number) => {
            number.is_i64()
                || number.is_u64()
                || number
                    .as_f64()
                    .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
        }
        _ => false,
    }
}

fn push(issues: &mut Vec<Issue>, path: &str, kind: IssueKind) {
    issues.push(Issue {
        instance_path: path.to_string(),
        kind,
    });
}

fn child_path(parent: &str, segment: &str) -> String {
    // JSON pointer escaping, as ajv does for instancePath.
    let escaped = segment.replace('~', "~0").replace('/', "~1");
    format!("{parent}/{escaped}")
}

fn check(schema: &Schema, value: &Value, path: &str, issues: &mut Vec<Issue>) {
    match schema {
        Schema::Any => {}
        Schema::Boolean => {
            if !value.is_boolean() {
                push(issues, path, IssueKind::WrongType("boolean"));
            }
        }
        Schema::String {
            min_length,
            max_length,
        } => check_string(value, *min_length, *max_length, path, issues),
        Schema::Integer { minimum } => check_integer(value, *minimum, path, issues),
        Schema::Const(expected) => check_const(value, expected, path, issues),
        Schema::StringEnum(choices) => {
            if choices.iter().any(|choice| value.as_str() == Some(choice)) {
                return;
            }
            // Every branch fails the same way; the formatter de-duplicates, so one
            // branch's problems plus the union verdict render identically.
            if let Some(first) = choices.first() {
                check_const(value, first, path, issues);
            }
            push(issues, path, IssueKind::NoUnionBranch);
        }
        Schema::Array(items) => match value {
            Value::Array(elements) => {
                for (index, element) in elements.iter().enumerate() {
                    check(
                        items,
                        element,
                        &child_path(path, &index.to_string()),
                        issues,
                    );
                }
            }
            _ => push(issues, path, IssueKind::WrongType("array")),
        },
        Schema::Record(values) => match value {
            Value::Object(map) => {
                for (key, entry) in map {
                    check(values, entry, &child_path(path, key), issues);
                }
            }
            _ => push(issues, path, IssueKind::WrongType("object")),
        },
        Schema::Object(object) => match value {
            Value::Object(map) => check_object(object, map, path, issues),
            _ => push(issues, path, IssueKind::WrongType("object")),
        },
        Schema::AnyOf(branches) => {
            let mut branch_issues = Vec::new();
            for branch in branches {
                let before = branch_issues.len();
                check(branch, value, path, &mut branch_issues);
                if branch_issues.len() == before {
                    // ajv forgets the failed branches once one matches.
                    return;
                }
            }
            issues.extend(branch_issues);
            push(issues, path, IssueKind::NoUnionBranch);
        }
    }
}

fn check_string(
    value: &Value,
    min_length: usize,
    max_length: Option<usize>,
    path: &str,
    issues: &mut Vec<Issue>,
) {
    let Some(text) = value.as_str() else {
        push(issues, path, IssueKind::WrongType("string"));
        return;
    };
    let length = text.chars().count();
    if let Some(max) = max_length
        && length > max
    {
        push(issues, path, IssueKind::TooLong(max));
    }
    if length < min_length {
        push(issues, path, IssueKind::TooShort(min_length));
    }
}

fn check_integer(value: &Value, minimum: Option<i64>, path: &str, issues: &mut Vec<Issue>) {
    if !is_json_integer(value) {
        push(issues, path, IssueKind::WrongType("integer"));
    }
    // ajv still applies numeric bounds to a fractional number after the type error.
    if let (Some(minimum), Some(number)) = (minimum, value.as_f64())
        && number < minimum as f64
    {
        push(issues, path, IssueKind::BelowMinimum(minimum));
    }
}

fn check_const(value: &Value, expected: &str, path: &str, issues: &mut Vec<Issue>) {
    if !value.is_string() {
        push(issues, path, IssueKind::WrongType("string"));
    }
    if value.as_str() != Some(expected) {
        push(issues, path, IssueKind::NotConstant);
    }
}

fn check_object(
    object: &ObjectSchema,
    map: &Map<String, Value>,
    path: &str,
    issues: &mut Vec<Issue>,
) {
    for name in &object.required {
        if !map.contains_key(*name) {
            push(
                issues,
                path,
                IssueKind::MissingProperty((*name).to_string()),
            );
        }
    }
    if object.closed {
        for key in map.keys() {
            if !object.properties.iter().any(|(name, _)| name == key) {
                push(issues, path, IssueKind::UnexpectedProperty(key.clone()));
            }
        }
    }
    for (name, schema) in &object.properties {
        if let Some(entry) = map.get(*name) {
            check(schema, entry, &child_path(path, name), issues);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame_schema() -> Schema {
        ObjectSchema::closed()
            .required("type", Schema::Const("req"))
            .required("id", Schema::non_empty_string())
            .required("method", Schema::non_empty_string())
            .optional("params", Schema::Any)
            .into_schema()
    }

    #[test]
    fn required_then_unknown_then_properties() {
        let issues = validate(&frame_schema(), &json!({"type": "bogus", "zzz": 1}));
        assert_eq!(
            format_issues(&issues),
            "must have required property 'id'; must have required property 'method'; \
             at root: unexpected property 'zzz'; at /type: must be equal to constant"
        );
    }

    #[test]
    fn wrong_root_type() {
        let issues = validate(&frame_schema(), &json!([1, 2]));
        assert_eq!(format_issues(&issues), "must be object");
    }

    #[test]
    fn const_on_non_string_reports_type_and_constant() {
        let issues = validate(
            &frame_schema(),
            &json!({"type": 5, "id": "a", "method": "m"}),
        );
        assert_eq!(
            format_issues(&issues),
            "at /type: must be string; at /type: must be equal to constant"
        );
    }

    #[test]
    fn enum_mismatch_is_deduplicated_like_openclaw() {
        let schema = Schema::StringEnum(&["cli", "webchat"]);
        let issues = validate(&schema, &json!("nope"));
        assert_eq!(
            format_issues(&issues),
            "must be equal to constant; must match a schema in anyOf"
        );
    }

    #[test]
    fn integers_follow_javascript_semantics() {
        let schema = Schema::integer_at_least(1);
        assert!(validate(&schema, &json!(3.0)).is_empty());
        assert_eq!(format_issues(&validate(&schema, &json!(0))), "must be >= 1");
        assert_eq!(
            format_issues(&validate(&schema, &json!(0.5))),
            "must be integer; must be >= 1"
        );
        assert_eq!(
            format_issues(&validate(&schema, &json!("3"))),
            "must be integer"
        );
    }

    #[test]
    fn pointer_segments_are_escaped() {
        let schema = Schema::record_of(Schema::Boolean);
        let issues = validate(&schema, &json!({"a/b~c": 1}));
        assert_eq!(format_issues(&issues), "at /a~1b~0c: must be boolean");
    }

    #[test]
    fn blank_unknown_key_falls_back_to_ajv_wording() {
        let schema = ObjectSchema::closed().into_schema();
        let issues = validate(&schema, &json!({" ": 1}));
        assert_eq!(
            format_issues(&issues),
            "must NOT have additional properties"
        );
    }

    #[test]
    fn any_of_keeps_branch_problems_only_when_all_fail() {
        let schema = Schema::AnyOf(vec![
            ObjectSchema::closed()
                .optional("a", Schema::string())
                .into_schema(),
            ObjectSchema::closed()
                .required("b", Schema::string())
                .into_schema(),
        ]);
        assert!(validate(&schema, &json!({"a": "x"})).is_empty());
        assert_eq!(
            format_issues(&validate(&schema, &json!({"c": 1}))),
            "at root: unexpected property 'c'; must have required property 'b'; \
             must match a schema in anyOf"
        );
    }

    #[test]
    fn string_lengths_count_characters() {
        let schema = Schema::bounded_string(1, 2);
        assert!(validate(&schema, &json!("éé")).is_empty());
        assert_eq!(
            format_issues(&validate(&schema, &json!("ééé"))),
            "must NOT have more than 2 characters"
        );
        assert_eq!(
            format_issues(&validate(&schema, &json!(""))),
            "must NOT have fewer than 1 characters"
        );
    }
}
