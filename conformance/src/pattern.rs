//! Patterns over the JSON form of packets: a pattern matches a packet when every field it names
//! matches. Operators, written as one-key objects, cover the rest:
//!
//! | pattern | matches |
//! |---|---|
//! | `{"$any": true}` | any value (the field must be present) |
//! | `{"$absent": true}` | the field is absent |
//! | `{"$min": 600}`, `{"$max": 480}` (may be combined) | a number in range |
//! | `{"$one_of": [1, 2]}` | any of the listed patterns |
//! | `{"$not": p}` | anything `p` does not match |
//! | `{"$len": 3}` | an array or string of that length |
//! | `{"$contains": [p, ...]}` | an array with an element matching each pattern |
//!
//! Arrays match element by element and must have the same length; objects match the keys they
//! name and ignore the others.

use serde_json::{Map, Value};

/// Why a value does not match, as a path and a short reason.
pub type Mismatch = (String, String);

/// Matches `actual` against `pattern`.
///
/// ```
/// use serde_json::json;
/// use mqtt_conformance::pattern::matches;
/// let packet = json!({"type": "CONNACK", "reason_code": 0, "properties": {"server_keep_alive": 480}});
/// assert!(matches(&json!({"type": "CONNACK", "properties": {"server_keep_alive": {"$max": 480}}}), &packet).is_ok());
/// assert!(matches(&json!({"properties": {"topic_alias_maximum": {"$any": true}}}), &packet).is_err());
/// ```
///
/// # Errors
/// The first mismatch found.
pub fn matches(pattern: &Value, actual: &Value) -> Result<(), Mismatch> {
    at("$", pattern, Some(actual))
}

fn op(pattern: &Value) -> Option<(&str, &Value, &Map<String, Value>)> {
    let m = pattern.as_object()?;
    let (k, v) = m.iter().next()?;
    if k.starts_with('$') {
        Some((k.as_str(), v, m))
    } else {
        None
    }
}

fn fail(path: &str, why: impl Into<String>) -> Result<(), Mismatch> {
    Err((path.to_string(), why.into()))
}

fn at(path: &str, pattern: &Value, actual: Option<&Value>) -> Result<(), Mismatch> {
    if let Some((_, _, ops)) = op(pattern) {
        return operators(path, ops, actual);
    }
    let Some(actual) = actual else {
        return fail(path, format!("absent, expected {pattern}"));
    };
    match (pattern, actual) {
        (Value::Object(p), Value::Object(a)) => {
            for (k, pv) in p {
                at(&format!("{path}.{k}"), pv, a.get(k))?;
            }
            Ok(())
        }
        (Value::Array(p), Value::Array(a)) => {
            if p.len() != a.len() {
                return fail(path, format!("{} elements, expected {}", a.len(), p.len()));
            }
            for (i, (pv, av)) in p.iter().zip(a).enumerate() {
                at(&format!("{path}[{i}]"), pv, Some(av))?;
            }
            Ok(())
        }
        (Value::Number(p), Value::Number(a)) if p.as_f64() == a.as_f64() => Ok(()),
        (p, a) if p == a => Ok(()),
        (p, a) => fail(path, format!("is {a}, expected {p}")),
    }
}

fn number(path: &str, v: Option<&Value>) -> Result<f64, Mismatch> {
    v.and_then(Value::as_f64).ok_or_else(|| {
        (
            path.to_string(),
            format!(
                "is {}, expected a number",
                v.map_or("absent".into(), |v| v.to_string())
            ),
        )
    })
}

fn operators(path: &str, ops: &Map<String, Value>, actual: Option<&Value>) -> Result<(), Mismatch> {
    for (k, arg) in ops {
        match k.as_str() {
            "$any" => {
                if actual.is_none() {
                    return fail(path, "absent, expected a value");
                }
            }
            "$absent" => {
                if let Some(a) = actual {
                    return fail(path, format!("is {a}, expected absent"));
                }
            }
            "$min" => {
                let n = number(path, actual)?;
                if n < arg.as_f64().unwrap_or(f64::MIN) {
                    return fail(path, format!("is {n}, expected at least {arg}"));
                }
            }
            "$max" => {
                let n = number(path, actual)?;
                if n > arg.as_f64().unwrap_or(f64::MAX) {
                    return fail(path, format!("is {n}, expected at most {arg}"));
                }
            }
            "$one_of" => {
                let options = arg.as_array().map(Vec::as_slice).unwrap_or_default();
                if !options.iter().any(|p| at(path, p, actual).is_ok()) {
                    let got = actual.map_or("absent".to_string(), Value::to_string);
                    return fail(path, format!("is {got}, expected one of {arg}"));
                }
            }
            "$not" => {
                if at(path, arg, actual).is_ok() {
                    let got = actual.map_or("absent".to_string(), Value::to_string);
                    return fail(path, format!("is {got}, expected anything but {arg}"));
                }
            }
            "$len" => {
                let len = match actual {
                    Some(Value::Array(a)) => a.len(),
                    Some(Value::String(s)) => s.len(),
                    _ => return fail(path, "expected an array or string"),
                };
                if Some(len as u64) != arg.as_u64() {
                    return fail(path, format!("has length {len}, expected {arg}"));
                }
            }
            "$contains" => {
                let Some(Value::Array(items)) = actual else {
                    return fail(path, "expected an array");
                };
                for p in arg.as_array().map(Vec::as_slice).unwrap_or_default() {
                    if !items.iter().any(|a| at(path, p, Some(a)).is_ok()) {
                        return fail(path, format!("has no element matching {p}"));
                    }
                }
            }
            other => return fail(path, format!("unknown pattern operator {other}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_match_named_keys_only() {
        let a = json!({"type": "PUBLISH", "qos": 1, "topic": "a"});
        assert!(matches(&json!({"qos": 1}), &a).is_ok());
        assert_eq!(matches(&json!({"qos": 0}), &a).unwrap_err().0, "$.qos");
        assert!(matches(&json!({"retain": false}), &a).is_err());
    }

    #[test]
    fn operators_work() {
        let a = json!({"n": 5, "list": [1, 2, 3]});
        assert!(matches(&json!({"n": {"$min": 5, "$max": 5}}), &a).is_ok());
        assert!(matches(&json!({"n": {"$min": 6}}), &a).is_err());
        assert!(matches(&json!({"n": {"$one_of": [4, 5]}}), &a).is_ok());
        assert!(matches(&json!({"n": {"$not": 5}}), &a).is_err());
        assert!(matches(&json!({"list": {"$len": 3}}), &a).is_ok());
        assert!(matches(&json!({"list": {"$contains": [3, 1]}}), &a).is_ok());
        assert!(matches(&json!({"list": {"$contains": [4]}}), &a).is_err());
        assert!(matches(&json!({"x": {"$absent": true}}), &a).is_ok());
        assert!(matches(&json!({"n": {"$absent": true}}), &a).is_err());
        assert!(matches(&json!({"n": {"$bogus": 1}}), &a).is_err());
    }
}
