//! Reading tool arguments leniently (models send numbers as strings, and Claude-style aliases such
//! as `file_path`), with errors that tell the model exactly what to send instead.

use serde_json::{Map, Value};

/// The arguments object, or an error naming the tool.
pub(crate) fn object<'a>(tool: &str, args: &'a Value) -> Result<&'a Map<String, Value>, String> {
    args.as_object().ok_or_else(|| {
        format!(
            "{tool}: arguments must be a JSON object, got {}",
            kind(args)
        )
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The first of `names` present, as a string.
pub(crate) fn opt_string<'a>(
    tool: &str,
    args: &'a Map<String, Value>,
    names: &[&str],
) -> Result<Option<&'a str>, String> {
    for name in names {
        match args.get(*name) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) => return Ok(Some(s)),
            Some(other) => {
                return Err(format!(
                    "{tool}: argument \"{name}\" must be a string, got {}",
                    kind(other)
                ));
            }
        }
    }
    Ok(None)
}

/// Like [`opt_string`] but required.
pub(crate) fn string<'a>(
    tool: &str,
    args: &'a Map<String, Value>,
    names: &[&str],
) -> Result<&'a str, String> {
    let primary = names.first().copied().unwrap_or("value");
    opt_string(tool, args, names)?
        .ok_or_else(|| format!("{tool}: missing required argument \"{primary}\" (a string)"))
}

/// A number (or numeric string).
pub(crate) fn opt_number(
    tool: &str,
    args: &Map<String, Value>,
    name: &str,
) -> Result<Option<f64>, String> {
    let parsed = match args.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match parsed {
        Some(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(format!("{tool}: argument \"{name}\" must be a number")),
    }
}

/// A positive whole number (fractions are floored), e.g. a line offset.
pub(crate) fn opt_positive(
    tool: &str,
    args: &Map<String, Value>,
    name: &str,
) -> Result<Option<u64>, String> {
    match opt_number(tool, args, name)? {
        None => Ok(None),
        Some(n) if n >= 1.0 => Ok(Some(n.floor() as u64)),
        Some(n) => Err(format!(
            "{tool}: argument \"{name}\" must be at least 1, got {n}"
        )),
    }
}

/// A boolean (or `"true"`/`"false"`).
pub(crate) fn opt_bool(
    tool: &str,
    args: &Map<String, Value>,
    name: &str,
) -> Result<Option<bool>, String> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(format!(
            "{tool}: argument \"{name}\" must be true or false, got {}",
            kind(other)
        )),
    }
}
