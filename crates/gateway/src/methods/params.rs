//! Closed-object params validation with OpenClaw's (ajv-style) wording:
//! `invalid <method> params: at root: unexpected property 'x'`.

use openclaw_protocol::{ErrorCode, ErrorShape};
use serde_json::{Map, Value};

pub struct Params {
    method: String,
    value: Option<Value>,
}

impl Params {
    pub fn new(method: &str, value: Option<Value>) -> Self {
        Self {
            method: method.to_string(),
            value,
        }
    }

    /// The method these params belong to.
    pub fn method(&self) -> &str {
        &self.method
    }

    fn error(&self, detail: impl std::fmt::Display) -> ErrorShape {
        ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            format!("invalid {} params: {detail}", self.method),
        )
    }

    /// The params object, checked against the allowed keys. Absent or `null` params are `{}`.
    pub fn closed(&self, allowed: &[&str]) -> Result<Map<String, Value>, ErrorShape> {
        let map = match &self.value {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(_) => return Err(self.error("at root: must be object")),
        };
        if let Some(key) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(self.error(format_args!("at root: unexpected property '{key}'")));
        }
        Ok(map)
    }

    pub fn required_str<'a>(
        &self,
        map: &'a Map<String, Value>,
        key: &str,
    ) -> Result<&'a str, ErrorShape> {
        match map.get(key) {
            None => Err(self.error(format_args!("must have required property '{key}'"))),
            Some(Value::String(s)) if !s.is_empty() => Ok(s),
            Some(Value::String(_)) => Err(self.error(format_args!(
                "at /{key}: must NOT have fewer than 1 characters"
            ))),
            Some(_) => Err(self.error(format_args!("at /{key}: must be string"))),
        }
    }

    pub fn optional_str<'a>(
        &self,
        map: &'a Map<String, Value>,
        key: &str,
    ) -> Result<Option<&'a str>, ErrorShape> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.error(format_args!("at /{key}: must be string"))),
        }
    }

    pub fn optional_bool(
        &self,
        map: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<bool>, ErrorShape> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.error(format_args!("at /{key}: must be boolean"))),
        }
    }

    /// An optional integer within `min..=max`.
    pub fn optional_int(
        &self,
        map: &Map<String, Value>,
        key: &str,
        min: u64,
        max: u64,
    ) -> Result<Option<u64>, ErrorShape> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => {
                let Some(v) = n.as_u64() else {
                    return Err(if n.as_i64().is_some() {
                        self.error(format_args!("at /{key}: must be >= {min}"))
                    } else {
                        self.error(format_args!("at /{key}: must be integer"))
                    });
                };
                if v < min {
                    Err(self.error(format_args!("at /{key}: must be >= {min}")))
                } else if v > max {
                    Err(self.error(format_args!("at /{key}: must be <= {max}")))
                } else {
                    Ok(Some(v))
                }
            }
            Some(_) => Err(self.error(format_args!("at /{key}: must be integer"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wording_matches_openclaw() {
        let p = Params::new("logs.tail", Some(json!({"bogusParam": 1})));
        let err = p.closed(&["limit"]).unwrap_err();
        assert_eq!(
            err.message,
            "invalid logs.tail params: at root: unexpected property 'bogusParam'"
        );
        let p = Params::new("config.set", Some(json!({})));
        let map = p.closed(&["raw"]).unwrap();
        assert_eq!(
            p.required_str(&map, "raw").unwrap_err().message,
            "invalid config.set params: must have required property 'raw'"
        );
        let p = Params::new("logs.tail", Some(json!({"limit": 9000})));
        let map = p.closed(&["limit"]).unwrap();
        assert_eq!(
            p.optional_int(&map, "limit", 1, 5000).unwrap_err().message,
            "invalid logs.tail params: at /limit: must be <= 5000"
        );
        assert!(Params::new("health", None).closed(&[]).unwrap().is_empty());
    }
}
