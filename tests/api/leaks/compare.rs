//! Answers made comparable, and where two of them differ.

use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// A cursor with the timestamps inside it (a list ordered by creation time) blanked,
/// decoded; other cursors as they are.
fn cursor_without_timestamps(cursor: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let parts: Vec<&str> = text.split('|').collect();
    let is_time = |p: &&str| chrono::DateTime::parse_from_rfc3339(p).is_ok();
    parts.iter().any(is_time).then(|| {
        parts
            .iter()
            .map(|p| if is_time(p) { "<time>" } else { p })
            .collect::<Vec<_>>()
            .join("|")
    })
}

/// Removes the timestamps of records (and of the edits and imports they come from),
/// which differ between the two databases, and blanks them in cursors.
pub fn without_timestamps(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| {
                !matches!(k.as_str(), "createdAt" | "updatedAt" | "at" | "importedAt")
            });
            for (key, value) in map.iter_mut() {
                if let ("cursor" | "endCursor" | "startCursor", Value::String(cursor)) =
                    (key.as_str(), &*value)
                    && let Some(blanked) = cursor_without_timestamps(cursor)
                {
                    *value = Value::String(blanked);
                }
            }
            map.values_mut().for_each(without_timestamps);
        }
        Value::Array(items) => items.iter_mut().for_each(without_timestamps),
        _ => {}
    }
}

/// Replaces every occurrence of `needles` in the strings of `value` (an answer that
/// repeats the argument it was given, in an error message say).
pub fn replace_strings(value: &mut Value, needles: &[String], with: &str) {
    match value {
        Value::String(text) => {
            for needle in needles {
                if needle.len() >= 3 && text.contains(needle.as_str()) {
                    *text = text.replace(needle.as_str(), with);
                }
            }
        }
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| replace_strings(v, needles, with)),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| replace_strings(v, needles, with)),
        _ => {}
    }
}

/// The strings inside a value (an argument's ids, codes and texts).
pub fn strings_in(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Object(map) => map.values().flat_map(strings_in).collect(),
        Value::Array(items) => items.iter().flat_map(strings_in).collect(),
        _ => Vec::new(),
    }
}

/// One alias's share of a response: `{data, errors}`, the errors with their path rooted
/// at the field's name instead of the alias, without source positions, in a stable
/// order (resolvers run concurrently and report in any order).
pub fn share(body: &Value, alias: &str, field: &str) -> Value {
    let data = body
        .get("data")
        .and_then(|d| d.get(alias))
        .cloned()
        .unwrap_or(Value::Null);
    let mut errors: Vec<Value> = body
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e["path"][0].as_str() == Some(alias))
        .cloned()
        .map(|mut e| {
            if let Some(map) = e.as_object_mut() {
                map.remove("locations");
            }
            if let Some(first) = e.get_mut("path").and_then(|p| p.get_mut(0)) {
                *first = Value::String(field.to_owned());
            }
            e
        })
        .collect();
    errors.sort_by_key(|e| e.to_string());
    errors.dedup();
    let mut share = Map::new();
    share.insert("data".into(), data);
    share.insert("errors".into(), Value::Array(errors));
    let mut share = Value::Object(share);
    without_timestamps(&mut share);
    share
}

/// Errors of a response that belong to no field: the request was refused as a whole.
pub fn request_errors(body: &Value) -> Vec<Value> {
    body.get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| {
            e.get("path")
                .is_none_or(|p| p.as_array().is_none_or(Vec::is_empty))
        })
        .cloned()
        .collect()
}

pub fn has_errors(body: &Value) -> bool {
    body.get("errors")
        .and_then(Value::as_array)
        .is_some_and(|e| !e.is_empty())
        || body.get("data").is_none_or(Value::is_null)
}

/// Where two JSON values first differ, with both sides there.
pub fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    format!("{at}.{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, format!("{at}[{i}]")))
            .or_else(|| {
                let n = x.len().min(y.len());
                let extra = |v: &Vec<Value>| v.get(n).map(short).unwrap_or_else(|| "(none)".into());
                (x.len() != y.len()).then(|| format!("{at}[{n}]: {} / {}", extra(x), extra(y)))
            }),
        _ if a == b => None,
        _ => Some(format!("{at}: {} / {}", short(a), short(b))),
    }
}

/// The path of the first string holding `mark`, and the string.
pub fn find_text(value: &Value, mark: &str, at: String) -> Option<String> {
    match value {
        Value::String(text) if text.contains(mark) => Some(format!("{at}: {}", short(value))),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, v)| find_text(v, mark, format!("{at}.{k}"))),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_text(v, mark, format!("{at}[{i}]"))),
        _ => None,
    }
}

/// A value shortened for a report line.
pub fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 160 {
        format!("{}…", text.chars().take(160).collect::<String>())
    } else {
        text
    }
}

/// Where two texts (SVG, GeoJSON) first differ, with a little of each side.
pub fn text_difference(a: &str, b: &str) -> Option<String> {
    if a == b {
        return None;
    }
    let at = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map(|((i, _), _)| i)
        .unwrap_or(a.len().min(b.len()));
    let from = a[..at]
        .char_indices()
        .rev()
        .nth(60)
        .map(|(i, _)| i)
        .unwrap_or(0);
    let piece = |s: &str| {
        s.get(from..)
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>()
    };
    Some(format!("byte {at}: `{}` / `{}`", piece(a), piece(b)))
}
