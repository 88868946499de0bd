//! The `filter` parameter of the tables: a GraphQL `CaseFilter` written as JSON, parsed by
//! the GraphQL input type itself (one home for filters) and resolved by its `resolve`,
//! after the admission's input rules. A refusal names the field at fault
//! (`filter.statusAsOf.date`): async-graphql's own parse ignores unknown fields and does
//! not say which field it could not read, so the field is found here by reading the
//! type's fields from its registry and parsing the value a field at a time.

// A refusal is a whole HTTP response, built at most once per request.
#![allow(clippy::result_large_err)]

use crate::http::AppState;
use crate::maps::{admission_refusal, api_refusal, bad, refusal};
use async_graphql::InputType;
use async_graphql::registry::{MetaType, Registry};
use axum::http::StatusCode;
use axum::response::Response;
use chasqui_schema::types::case::CaseFilter;
use chasqui_schema::types::event::EventFilter;
use chasqui_store::Access;
use serde_json::{Map, Value};
use tokio::sync::OwnedSemaphorePermit;

/// The filter as the store takes it, and the request's price, held while the table is
/// written.
pub struct Resolved {
    pub filter: chasqui_store::CaseFilter,
    pub running: OwnedSemaphorePermit,
}

/// Reads `text` (absent: no condition) as a `CaseFilter`, checks and prices it as the
/// map routes do, waits for the price to fit among the requests running, and resolves it
/// for the store.
pub async fn case_filter(
    state: &AppState,
    access: Access,
    text: Option<&str>,
) -> Result<Resolved, Response> {
    let (input, running) = checked::<CaseFilter>(state, text, "CaseFilter").await?;
    let filter = input
        .resolve(&state.store, access)
        .await
        .map_err(api_refusal)?;
    Ok(Resolved { filter, running })
}

/// [`case_filter`] for an `EventFilter` (`/csv/events`).
pub async fn event_filter(
    state: &AppState,
    access: Access,
    text: Option<&str>,
) -> Result<(chasqui_store::EventFilter, OwnedSemaphorePermit), Response> {
    let (input, running) = checked::<EventFilter>(state, text, "EventFilter").await?;
    let filter = input
        .resolve(&state.store, access)
        .await
        .map_err(api_refusal)?;
    Ok((filter, running))
}

/// Reads `text` as the input type `T` (named `type_name` in the schema): JSON, known
/// fields, the admission's input rules, the type's own parse; then its price, held.
async fn checked<T: InputType>(
    state: &AppState,
    text: Option<&str>,
    type_name: &str,
) -> Result<(T, OwnedSemaphorePermit), Response> {
    let deadline = tokio::time::Instant::now() + state.config.request_timeout;
    let json = match text {
        None => Value::Object(Map::new()),
        Some(text) => serde_json::from_str::<Value>(text)
            .map_err(|e| bad("filter", format!("is not JSON: {e}")))?,
    };
    if !json.is_object() {
        return Err(bad(
            "filter",
            format!("must be a JSON object (a {type_name})"),
        ));
    }
    let registry = registry::<T>();
    if let Some((field, message)) = unknown_or_missing(&registry, type_name, &json, "filter") {
        return Err(bad(&field, message));
    }
    let value =
        async_graphql::Value::from_json(json.clone()).map_err(|e| bad("filter", e.to_string()))?;
    state
        .admission
        .check_input(type_name, &value, "filter")
        .map_err(admission_refusal)?;
    let input = match parse::<T>(&json) {
        Ok(input) => input,
        Err(_) => {
            let (field, message) =
                failing_field::<T>(&registry, type_name, &json, "filter", &|v| v);
            return Err(bad(&field, message));
        }
    };
    // A table is written page by page, each page a bounded read: its price is the map's
    // own, with the filter's (an area's vertices).
    let price = state
        .admission
        .map_cost(0, Some(&value))
        .map_err(admission_refusal)?;
    let running = state.hold_cost(price, deadline).await.ok_or_else(|| {
        refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "REQUEST_TIMEOUT",
            None,
            "the server is busy with other requests; try again shortly",
        )
    })?;
    Ok((input, running))
}

/// The input types `T` is made of, as the schema registers them.
fn registry<T: InputType>() -> Registry {
    let mut registry = Registry::default();
    <T as InputType>::create_type_info(&mut registry);
    registry
}

/// Parses a `CaseFilter`, with async-graphql's message on failure (without the chain of
/// "occurred while parsing" it appends).
fn parse<T: InputType>(json: &Value) -> Result<T, String> {
    let value = async_graphql::Value::from_json(json.clone()).map_err(|e| e.to_string())?;
    <T as InputType>::parse(Some(value)).map_err(|e| {
        let message = e.into_server_error(Default::default()).message;
        match message.find(" (occurred while parsing") {
            Some(at) => message[..at].to_owned(),
            None => message,
        }
    })
}

/// The named type of a field's type (`[CaseStatus!]!` → `CaseStatus`), whether it is a
/// list, and whether the field must be given.
fn shape<'a>(ty: &'a str, default: Option<&String>) -> (&'a str, bool, bool) {
    let required = ty.ends_with('!') && default.is_none();
    let list = ty.starts_with('[');
    (
        ty.trim_matches(|c| matches!(c, '[' | ']' | '!')),
        list,
        required,
    )
}

/// The first field of `value` (of input type `type_name`, at `path`) that the type does
/// not have, or that it requires and `value` lacks, at any depth.
fn unknown_or_missing(
    registry: &Registry,
    type_name: &str,
    value: &Value,
    path: &str,
) -> Option<(String, String)> {
    let Some(MetaType::InputObject { input_fields, .. }) = registry.types.get(type_name) else {
        return None;
    };
    let Value::Object(fields) = value else {
        return None;
    };
    for (name, field) in input_fields {
        let (_, _, required) = shape(&field.ty, field.default_value.as_ref());
        if required && fields.get(name).is_none_or(Value::is_null) {
            return Some((format!("{path}.{name}"), format!("`{name}` is required")));
        }
    }
    for (key, item) in fields {
        let at = format!("{path}.{key}");
        let Some(field) = input_fields.get(key) else {
            let known: Vec<&str> = input_fields.keys().map(String::as_str).collect();
            let message = format!(
                "{type_name} has no field `{key}`; its fields are {}",
                known.join(", ")
            );
            return Some((at, message));
        };
        let (inner, list, _) = shape(&field.ty, field.default_value.as_ref());
        let found = match (list, item) {
            (true, Value::Array(items)) => items.iter().enumerate().find_map(|(i, item)| {
                unknown_or_missing(registry, inner, item, &format!("{at}[{i}]"))
            }),
            _ => unknown_or_missing(registry, inner, item, &at),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The field of `value` (of input type `type_name`, at `path`) that does not parse, and
/// why: each field is parsed alone, with the fields its type requires, inside the whole
/// filter (`wrap` puts an object of this type where it sits in a `CaseFilter`).
fn failing_field<T: InputType>(
    registry: &Registry,
    type_name: &str,
    value: &Value,
    path: &str,
    wrap: &dyn Fn(Value) -> Value,
) -> (String, String) {
    let whole = || {
        let message = parse::<T>(&wrap(value.clone()))
            .err()
            .unwrap_or_else(|| format!("is not a valid {type_name}"));
        (path.to_owned(), message)
    };
    let (Some(MetaType::InputObject { input_fields, .. }), Value::Object(fields)) =
        (registry.types.get(type_name), value)
    else {
        return whole();
    };
    let is_required = |key: &str| {
        input_fields
            .get(key)
            .is_some_and(|f| shape(&f.ty, f.default_value.as_ref()).2)
    };
    let required: Map<String, Value> = fields
        .iter()
        .filter(|(key, _)| is_required(key))
        .map(|(key, item)| (key.clone(), item.clone()))
        .collect();
    let alone = |key: &str, item: &Value| {
        let mut candidate = required.clone();
        candidate.insert(key.to_owned(), item.clone());
        wrap(Value::Object(candidate))
    };
    // The required fields first (every candidate holds them), then each other field.
    let order = fields
        .iter()
        .filter(|(key, _)| is_required(key))
        .chain(fields.iter().filter(|(key, _)| !is_required(key)));
    for (key, item) in order {
        let Err(message) = parse::<T>(&alone(key, item)) else {
            continue;
        };
        let at = format!("{path}.{key}");
        let inner = input_fields
            .get(key)
            .map(|f| shape(&f.ty, f.default_value.as_ref()))
            .filter(|(inner, list, _)| {
                !list && item.is_object() && registry.types.get(*inner).is_some_and(is_input)
            });
        if let Some((inner, _, _)) = inner {
            let nested = |v: Value| alone(key, &v);
            return failing_field::<T>(registry, inner, item, &at, &nested);
        }
        return (at, message);
    }
    whole()
}

fn is_input(ty: &MetaType) -> bool {
    matches!(ty, MetaType::InputObject { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(filter: Value) -> String {
        let registry = registry::<CaseFilter>();
        if let Some((field, _)) = unknown_or_missing(&registry, "CaseFilter", &filter, "filter") {
            return field;
        }
        assert!(parse::<CaseFilter>(&filter).is_err(), "{filter} parses");
        failing_field::<CaseFilter>(&registry, "CaseFilter", &filter, "filter", &|v| v).0
    }

    #[test]
    fn a_refused_filter_names_its_field() {
        assert_eq!(
            field_of(json!({"statuses": ["ACTIVE", "NOPE"]})),
            "filter.statuses"
        );
        assert_eq!(field_of(json!({"statusz": ["ACTIVE"]})), "filter.statusz");
        assert_eq!(
            field_of(json!({"kinds": ["MINE"], "statusAsOf": {"date": "2017-13"}})),
            "filter.statusAsOf.date"
        );
        assert_eq!(
            field_of(json!({"statusAsOf": {"date": "2017", "phases": ["LOUD"]}})),
            "filter.statusAsOf.phases"
        );
        assert_eq!(
            field_of(json!({"statusAsOf": {"statuses": ["ACTIVE"]}})),
            "filter.statusAsOf.date"
        );
        assert_eq!(
            field_of(json!({"statusAsOf": {"date": "2017", "when": 1}})),
            "filter.statusAsOf.when"
        );
        assert_eq!(field_of(json!({"activeFrom": 17})), "filter.activeFrom");
        assert!(
            parse::<CaseFilter>(
                &json!({"statusAsOf": {"date": "2017-02", "statuses": ["ACTIVE"]}})
            )
            .is_ok()
        );
    }
}
