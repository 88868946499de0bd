//! What an argument names, and the values it is given: hidden records, public ones and
//! records that do not exist.
//!
//! Every argument and input-object field of the schema is classified from its name and
//! type. One that names a record (an `ID`, a slug, a code, a topic, a place or a point…)
//! gets the values of its kind; one that names nothing says why; one the rules do not
//! know fails the test, so a new argument is covered or reported.

use super::schema::{Field, InputValue, Schema};
use serde_json::Value;
use std::collections::BTreeMap;

/// The kinds of value an argument that names a record takes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Names {
    /// A global id of one type (`Case`, `Actor`…), or of any (`Node`).
    Record(String),
    CaseSlug,
    ActorSlug,
    /// A case by global id or slug (a filter's `case`).
    CaseIdOrSlug,
    /// An actor by global id or slug (a filter's `actor`).
    ActorIdOrSlug,
    LocationCode,
    /// A location by code or global id.
    Region,
    /// An actor by slug or global id.
    ActorKey,
    Topic,
    Publisher,
    /// Part of a name or alias.
    Name,
    SearchText,
    /// A longitude/latitude box.
    Box,
    /// A point and a radius.
    Near,
    /// A GeoJSON polygon.
    Area,
    /// A latitude and a longitude, given together (`latitude` carries both).
    Point,
    /// The number inside a global id.
    RowId,
}

impl Names {
    /// Whether a hidden value must answer exactly as a missing one. Spatial values aim
    /// at a hidden record's place, which public records may share (`locate` answers the
    /// public district around a restricted site): for them only the comparison with the
    /// public-only database holds.
    pub fn hidden_answers_as_missing(&self) -> bool {
        !matches!(
            self,
            Names::Box | Names::Near | Names::Area | Names::Point | Names::RowId
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Restricted,
    Archived,
    Purged,
    Public,
    Missing,
}

impl Class {
    pub fn hidden(self) -> bool {
        matches!(self, Class::Restricted | Class::Archived | Class::Purged)
    }
}

#[derive(Clone, Debug)]
pub struct ArgValue {
    pub value: Value,
    pub class: Class,
    pub label: String,
}

impl ArgValue {
    pub fn new(value: Value, class: Class, label: &str) -> ArgValue {
        ArgValue {
            value,
            class,
            label: label.to_owned(),
        }
    }
}

#[derive(Default)]
pub struct Registry {
    values: BTreeMap<Names, Vec<ArgValue>>,
}

impl Registry {
    pub fn add(&mut self, names: Names, value: ArgValue) {
        self.values.entry(names).or_default().push(value);
    }

    /// The values of a kind; `Record("Node")` takes the ids of every type, an id or a
    /// slug the ids and the slugs of its type.
    pub fn values(&self, names: &Names) -> Vec<ArgValue> {
        let either = |kind: &str, slugs: Names| {
            let mut values = self.values(&Names::Record(kind.into()));
            values.extend(self.values(&slugs));
            values
        };
        match names {
            Names::CaseIdOrSlug => return either("Case", Names::CaseSlug),
            Names::ActorIdOrSlug => return either("Actor", Names::ActorSlug),
            _ => {}
        }
        if *names == Names::Record("Node".into()) {
            return self
                .values
                .iter()
                .filter(|(k, _)| matches!(k, Names::Record(_)))
                .flat_map(|(_, v)| v.iter().cloned())
                .collect();
        }
        self.values.get(names).cloned().unwrap_or_default()
    }

    pub fn distinct_values(&self) -> usize {
        self.values.values().map(Vec::len).sum()
    }
}

/// How the test treats one argument (or input-object field).
#[derive(Clone, Debug)]
pub enum Role {
    /// It names a record: it is given the values of this kind.
    Names(Names),
    /// It names nothing; each of these values is tried on its own (enum values, a small
    /// page), the other arguments left out or at their first required values.
    Plain(Vec<Value>),
    /// It names nothing and is not varied, for this reason.
    Fixed(&'static str),
    /// It is given with another argument, as one value.
    Carried(&'static str),
    /// The input object's fields are classified one by one.
    Object,
}

/// Arguments that name nothing and are not varied, with the reason.
const NAMES_NOTHING: &[(&str, &str)] = &[
    (
        "after",
        "a cursor: a position in one list's order, checked by the list",
    ),
    ("limit", "a number of features"),
    ("activeFrom", "a date"),
    ("activeTo", "a date"),
    ("from", "a date"),
    ("to", "a date"),
    (
        "entity",
        "a kind of record, in the admins' audit filter (the ids are `entityId`)",
    ),
    ("author", "a token's name, in the admins' audit filter"),
    ("action", "a mutation's name, in the admins' audit filter"),
];

/// The record type a field returns, for its `id` and `slug` arguments.
fn returned_record(schema: &Schema, field: &Field) -> String {
    let named = field.ty.named();
    match schema.kind_of(named) {
        "OBJECT" | "INTERFACE" => named.to_owned(),
        _ => String::new(),
    }
}

/// Classifies an argument of `field`, or a field of an input object inside one.
pub fn classify(schema: &Schema, field: &Field, input: &InputValue) -> Option<Role> {
    let named = input.ty.named();
    let kind = schema.kind_of(named);
    let name = input.name.as_str();
    if kind == "ENUM" {
        let values = schema.enum_values_of(named).iter().map(|v| {
            if input.ty.is_list() {
                Value::Array(vec![Value::String(v.clone())])
            } else {
                Value::String(v.clone())
            }
        });
        return Some(Role::Plain(values.collect()));
    }
    if named == "Boolean" {
        return Some(Role::Plain(vec![Value::Bool(false), Value::Bool(true)]));
    }
    // A date read against the histories ("as of", a report's period): dates around the
    // fixtures', each on its own.
    if name == "statusAsOf" {
        let values = [
            serde_json::json!({"date": "2026-03", "statuses": ["ACTIVE"]}),
            serde_json::json!({"date": "2026-03", "statuses": ["LATENT"]}),
            serde_json::json!({"date": "2026", "phases": ["DIALOGUE"]}),
            serde_json::json!({"date": "2016"}),
        ];
        return Some(Role::Plain(values.into()));
    }
    if named == "PartialDate" && matches!(name, "date" | "period" | "through") {
        let dates = ["2016", "2026-01", "2026-03", "2026"];
        return Some(Role::Plain(dates.iter().map(|d| Value::from(*d)).collect()));
    }
    if let Some((_, reason)) = NAMES_NOTHING.iter().find(|(n, _)| *n == name) {
        return Some(Role::Fixed(reason));
    }
    let names = match (name, named) {
        ("id", "ID") => {
            let record = returned_record(schema, field);
            Names::Record(if record.is_empty() {
                "Node".into()
            } else {
                record
            })
        }
        ("ids", "ID") => Names::Record("Node".into()),
        // The filters' `actor` and `case` take a slug as well as an id.
        ("actor", "ID") => Names::ActorIdOrSlug,
        ("case", "ID") => Names::CaseIdOrSlug,
        ("relatedCase", "ID") => Names::Record("Case".into()),
        ("newsItem", "ID") => Names::Record("NewsItem".into()),
        ("parent" | "location", "ID") => Names::Record("Location".into()),
        ("slug", "String") => match returned_record(schema, field).as_str() {
            "Actor" => Names::ActorSlug,
            "Case" => Names::CaseSlug,
            _ => return None,
        },
        ("code", "String") => Names::LocationCode,
        ("region" | "within", "String") => Names::Region,
        ("actors", "String") => Names::ActorKey,
        ("topics", "String") => Names::Topic,
        ("publisher", "String") => Names::Publisher,
        ("name", "String") => Names::Name,
        ("query", "String") => Names::SearchText,
        (_, "BoundingBox") => Names::Box,
        (_, "NearPoint") => Names::Near,
        ("inArea", "JSON") => Names::Area,
        ("latitude", "Float") if field.arg("longitude").is_some() => Names::Point,
        ("longitude", "Float") if field.arg("latitude").is_some() => {
            return Some(Role::Carried("latitude"));
        }
        ("entityId", "Int") => Names::RowId,
        ("first", "Int") => return Some(Role::Plain(vec![Value::from(3)])),
        _ if kind == "INPUT_OBJECT" => return Some(Role::Object),
        _ => return None,
    };
    Some(Role::Names(names))
}
