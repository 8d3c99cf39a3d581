//! The SQL functions a search's filters call: tags and metadata compared the way the API says.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::Connection;
use serde_json::Value;

/// The SQL functions a search's filters use, on every connection (`configure_connection`).
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("has_any_tag", 2, flags, |ctx| {
        Ok(has_any_tag(
            text_arg(ctx, 0)?.as_deref(),
            &json_arg(ctx, 1)?,
        ))
    })?;
    conn.create_scalar_function("metadata_matches", 2, flags, |ctx| {
        let metadata = text_arg(ctx, 0)?.and_then(|text| serde_json::from_str(&text).ok());
        Ok(metadata_matches(metadata.as_ref(), &json_arg(ctx, 1)?))
    })
}

fn text_arg(ctx: &Context, index: usize) -> rusqlite::Result<Option<String>> {
    ctx.get::<Option<String>>(index)
}

fn json_arg(ctx: &Context, index: usize) -> rusqlite::Result<Value> {
    let text: String = ctx.get(index)?;
    serde_json::from_str(&text).map_err(|err| rusqlite::Error::UserFunctionError(Box::new(err)))
}

/// Whether a chunk's comma-separated tags include one of `wanted` (whole tags, any case).
fn has_any_tag(tag_set: Option<&str>, wanted: &Value) -> bool {
    let Some(tag_set) = tag_set else {
        return false;
    };
    let wanted: Vec<String> = wanted
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|tag| tag.trim().to_lowercase())
        .collect();
    tag_set
        .split(',')
        .map(|tag| tag.trim().to_lowercase())
        .any(|tag| !tag.is_empty() && wanted.contains(&tag))
}

/// Whether, for every key of `filters`, the chunk's metadata has that key with that value:
/// strings compared without case, an array in the filter meaning any of its items, an array in
/// the metadata matching when any of its items does.
fn metadata_matches(metadata: Option<&Value>, filters: &Value) -> bool {
    let Some(filters) = filters.as_object() else {
        return true;
    };
    filters.iter().all(|(key, wanted)| {
        let Some(value) = metadata.and_then(|metadata| metadata.get(key)) else {
            return false;
        };
        let values: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let wanted: Vec<&Value> = match wanted {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        values
            .iter()
            .any(|value| wanted.iter().any(|wanted| same_value(value, wanted)))
    })
}

fn same_value(value: &Value, wanted: &Value) -> bool {
    match (value, wanted) {
        (Value::String(a), Value::String(b)) => a.to_lowercase() == b.to_lowercase(),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => value == wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tags_are_whole_and_without_case() {
        assert!(has_any_tag(Some("Fish, chips"), &json!(["CHIPS"])));
        assert!(!has_any_tag(Some("fishing"), &json!(["fish"])));
        assert!(!has_any_tag(None, &json!(["fish"])));
        assert!(!has_any_tag(Some(", ,"), &json!([""])));
    }

    #[test]
    fn metadata_must_hold_every_key_with_a_value_asked_for() {
        let metadata = json!({"lang": "EN", "year": 2026, "topics": ["a", "b"]});
        assert!(metadata_matches(
            Some(&metadata),
            &json!({"lang": "en", "year": 2026.0})
        ));
        assert!(metadata_matches(
            Some(&metadata),
            &json!({"lang": ["fr", "en"]})
        ));
        assert!(metadata_matches(Some(&metadata), &json!({"topics": "b"})));
        assert!(!metadata_matches(
            Some(&metadata),
            &json!({"lang": "en", "year": 2025})
        ));
        assert!(!metadata_matches(None, &json!({"lang": "en"})));
    }
}
