//! The maps over plain HTTP (`GET /geojson/cases`, `GET /map.svg`), asked with every
//! parameter of the case filter, generated from the filter's input type; and the
//! analysts' tables (`GET /csv/…`), asked with every field of the case filter as their
//! `filter` JSON.

use super::schema::Schema;
use super::values::{ArgValue, Names, Registry, Role, classify};
use crate::app::TestApp;
use serde_json::Value;

pub const PATHS: [&str; 2] = ["/geojson/cases", "/map.svg"];

/// The CSV tables, each with the parameters it needs besides `filter` (the report: a
/// period that holds every date of the fixtures).
pub const TABLES: [(&str, &[(&str, &str)]); 3] = [
    ("/csv/cases", &[]),
    ("/csv/status-changes", &[]),
    ("/csv/report", &[("period", "1900"), ("through", "2100")]),
];

/// The HTTP parameter a field of the case filter is sent as.
fn parameter(field: &str) -> &str {
    match field {
        "within" => "bbox",
        "inArea" => "area",
        other => other,
    }
}

fn number(value: &Value, key: &str) -> String {
    value[key]
        .as_f64()
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// A value as the parameter's text.
fn text(names: Option<&Names>, value: &Value) -> String {
    match (names, value) {
        (Some(Names::Box), _) => ["west", "south", "east", "north"]
            .map(|k| number(value, k))
            .join(","),
        (Some(Names::Near), _) => ["latitude", "longitude", "km"]
            .map(|k| number(value, k))
            .join(","),
        (Some(Names::Area), _) => value.to_string(),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect::<Vec<_>>()
            .join(","),
        _ => value.to_string(),
    }
}

pub struct MapRequest {
    pub path: &'static str,
    pub parameters: Vec<(String, String)>,
    /// The filter field varied, and the value (for the hidden-as-missing pairs).
    pub varied: Option<(String, Names, ArgValue)>,
}

impl MapRequest {
    pub fn label(&self) -> String {
        let query: Vec<String> = self
            .parameters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("GET {}?{}", self.path, query.join("&"))
    }
}

pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

pub async fn get(app: &TestApp, token: Option<&str>, request: &MapRequest) -> Answer {
    let mut builder = app
        .client
        .get(format!("{}{}", app.base, request.path))
        .query(&request.parameters);
    if let Some(token) = token {
        builder = builder.bearer_auth(token);
    }
    let response = builder
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", request.label()));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response
        .text()
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", request.label()));
    Answer {
        status,
        content_type,
        body,
    }
}

/// Every request: no parameter, then each field of the case filter given each of its
/// values on its own. Fields the rules do not know are returned to be reported.
pub fn requests(schema: &Schema, registry: &Registry) -> (Vec<MapRequest>, Vec<String>) {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    let Some(field) = schema.field(&schema.query, "casesGeoJson") else {
        return (
            out,
            vec!["Query.casesGeoJson is gone: the maps need a new source".into()],
        );
    };
    let Some(filter) = field.arg("filter") else {
        return (out, vec!["Query.casesGeoJson(filter) is gone".into()]);
    };
    for path in PATHS {
        out.push(MapRequest {
            path,
            parameters: Vec::new(),
            varied: None,
        });
        for input in schema.input_fields_of(filter.ty.named()) {
            let name = parameter(&input.name).to_owned();
            // The status as of a date: `asOf` with each status on its own.
            if input.name == "statusAsOf" {
                for status in schema.enum_values_of("CaseStatus") {
                    out.push(MapRequest {
                        path,
                        parameters: vec![
                            ("asOf".into(), "2026-03".into()),
                            ("asOfStatuses".into(), status.clone()),
                        ],
                        varied: None,
                    });
                }
                continue;
            }
            match classify(schema, field, input) {
                Some(Role::Names(names)) => {
                    for value in registry.values(&names) {
                        out.push(MapRequest {
                            path,
                            parameters: vec![(name.clone(), text(Some(&names), &value.value))],
                            varied: Some((input.name.clone(), names.clone(), value)),
                        });
                    }
                }
                Some(Role::Plain(values)) => {
                    for value in values {
                        out.push(MapRequest {
                            path,
                            parameters: vec![(name.clone(), text(None, &value))],
                            varied: None,
                        });
                    }
                }
                Some(Role::Fixed(_) | Role::Carried(_)) => {}
                Some(Role::Object) | None => unknown.push(format!(
                    "{path}: the case filter's `{}` has no strategy",
                    input.name
                )),
            }
        }
    }
    out.push(MapRequest {
        path: PATHS[0],
        parameters: vec![("limit".into(), "2".into())],
        varied: None,
    });
    for (path, fixed) in TABLES {
        let with_filter = |filter: Option<Value>| {
            let mut parameters: Vec<(String, String)> = fixed
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            if let Some(filter) = filter {
                parameters.push(("filter".to_owned(), filter.to_string()));
            }
            parameters
        };
        out.push(MapRequest {
            path,
            parameters: with_filter(None),
            varied: None,
        });
        for input in schema.input_fields_of(filter.ty.named()) {
            let one = |value: &Value| Some(serde_json::json!({ input.name.as_str(): value }));
            match classify(schema, field, input) {
                Some(Role::Names(names)) => {
                    for value in registry.values(&names) {
                        out.push(MapRequest {
                            path,
                            parameters: with_filter(one(&value.value)),
                            varied: Some((input.name.clone(), names.clone(), value)),
                        });
                    }
                }
                Some(Role::Plain(values)) => {
                    for value in values {
                        out.push(MapRequest {
                            path,
                            parameters: with_filter(one(&value)),
                            varied: None,
                        });
                    }
                }
                // Reported once, for the maps.
                _ => {}
            }
        }
    }
    // The event table takes the event filter: no filter, then each of its fields given
    // each of its values on its own, as the `events` query is asked.
    if let Some(events) = schema.field(&schema.query, "events")
        && let Some(filter) = events.arg("filter")
    {
        let path = "/csv/events";
        let with = |filter: Option<Value>| -> Vec<(String, String)> {
            filter
                .map(|f| vec![("filter".to_owned(), f.to_string())])
                .unwrap_or_default()
        };
        out.push(MapRequest {
            path,
            parameters: with(None),
            varied: None,
        });
        for input in schema.input_fields_of(filter.ty.named()) {
            let one = |value: &Value| Some(serde_json::json!({ input.name.as_str(): value }));
            match classify(schema, events, input) {
                Some(Role::Names(names)) => {
                    for value in registry.values(&names) {
                        out.push(MapRequest {
                            path,
                            parameters: with(one(&value.value)),
                            varied: Some((input.name.clone(), names.clone(), value)),
                        });
                    }
                }
                Some(Role::Plain(values)) => {
                    for value in values {
                        out.push(MapRequest {
                            path,
                            parameters: with(one(&value)),
                            varied: None,
                        });
                    }
                }
                // The `events` query's own invocations report fields without a strategy.
                _ => {}
            }
        }
    } else {
        unknown.push("Query.events(filter) is gone: /csv/events needs a new source".into());
    }
    (out, unknown)
}
