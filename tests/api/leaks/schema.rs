//! The schema as introspection describes it: every type with its fields, their arguments,
//! input objects with their fields, enums with their values. Everything the leak test
//! generates (queries, argument values, mutation documents) is read from here.

use crate::app::TestApp;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A type reference: `[ID!]!` is NON_NULL(LIST(NON_NULL(ID))).
#[derive(Clone, Debug)]
pub struct TypeRef {
    pub kind: String,
    pub name: Option<String>,
    pub of_type: Option<Box<TypeRef>>,
}

impl TypeRef {
    fn from_json(value: &Value) -> TypeRef {
        TypeRef {
            kind: value["kind"].as_str().unwrap_or_default().to_owned(),
            name: value["name"].as_str().map(str::to_owned),
            of_type: (!value["ofType"].is_null())
                .then(|| Box::new(TypeRef::from_json(&value["ofType"]))),
        }
    }

    /// The named type under the wrappers.
    pub fn named(&self) -> &str {
        match (&self.name, &self.of_type) {
            (Some(name), _) => name,
            (None, Some(inner)) => inner.named(),
            (None, None) => "",
        }
    }

    pub fn is_required(&self) -> bool {
        self.kind == "NON_NULL"
    }

    /// Whether a list wraps the named type (`[ID!]`, `[String!]!`).
    pub fn is_list(&self) -> bool {
        match self.kind.as_str() {
            "LIST" => true,
            "NON_NULL" => self.of_type.as_ref().is_some_and(|t| t.is_list()),
            _ => false,
        }
    }

    /// The reference as GraphQL writes it, for variable definitions.
    pub fn render(&self) -> String {
        match (self.kind.as_str(), &self.of_type) {
            ("NON_NULL", Some(inner)) => format!("{}!", inner.render()),
            ("LIST", Some(inner)) => format!("[{}]", inner.render()),
            _ => self.name.clone().unwrap_or_default(),
        }
    }
}

/// An argument of a field, or a field of an input object.
#[derive(Clone, Debug)]
pub struct InputValue {
    pub name: String,
    pub ty: TypeRef,
    pub default: Option<String>,
}

impl InputValue {
    /// Required, and with no default to fall back on.
    pub fn must_be_given(&self) -> bool {
        self.ty.is_required() && self.default.is_none()
    }
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub ty: TypeRef,
    pub args: Vec<InputValue>,
}

impl Field {
    pub fn has_required_argument(&self) -> bool {
        self.args.iter().any(InputValue::must_be_given)
    }

    pub fn arg(&self, name: &str) -> Option<&InputValue> {
        self.args.iter().find(|a| a.name == name)
    }
}

pub struct TypeInfo {
    pub kind: String,
    pub fields: Vec<Field>,
    pub input_fields: Vec<InputValue>,
    pub enum_values: Vec<String>,
    pub possible: Vec<String>,
    pub interfaces: Vec<String>,
}

pub struct Schema {
    pub types: BTreeMap<String, TypeInfo>,
    pub query: String,
    pub mutation: Option<String>,
}

const TYPE_REF: &str = "fragment T on __Type { kind name ofType { kind name ofType { kind name \
    ofType { kind name ofType { kind name ofType { kind name } } } } } }";

impl Schema {
    pub async fn introspect(app: &TestApp) -> Schema {
        let query = format!(
            "{{ __schema {{ queryType {{ name }} mutationType {{ name }} types {{ name kind \
             possibleTypes {{ name }} interfaces {{ name }} enumValues {{ name }} \
             inputFields {{ name defaultValue type {{ ...T }} }} \
             fields {{ name type {{ ...T }} args {{ name defaultValue type {{ ...T }} }} }} }} }} }} \
             {TYPE_REF}"
        );
        let data = app.data_as(None, &query, json!({})).await;
        let schema = &data["__schema"];
        let inputs = |list: &Value| -> Vec<InputValue> {
            list.as_array()
                .into_iter()
                .flatten()
                .map(|a| InputValue {
                    name: a["name"].as_str().unwrap_or_default().to_owned(),
                    ty: TypeRef::from_json(&a["type"]),
                    default: a["defaultValue"].as_str().map(str::to_owned),
                })
                .collect()
        };
        let names = |list: &Value| -> Vec<String> {
            list.as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x["name"].as_str().map(str::to_owned))
                .collect()
        };
        let mut types = BTreeMap::new();
        for t in schema["types"].as_array().into_iter().flatten() {
            let name = t["name"].as_str().unwrap_or_default().to_owned();
            if name.starts_with("__") {
                continue;
            }
            let fields = t["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| Field {
                    name: f["name"].as_str().unwrap_or_default().to_owned(),
                    ty: TypeRef::from_json(&f["type"]),
                    args: inputs(&f["args"]),
                })
                .collect();
            types.insert(
                name,
                TypeInfo {
                    kind: t["kind"].as_str().unwrap_or_default().to_owned(),
                    fields,
                    input_fields: inputs(&t["inputFields"]),
                    enum_values: names(&t["enumValues"]),
                    possible: names(&t["possibleTypes"]),
                    interfaces: names(&t["interfaces"]),
                },
            );
        }
        Schema {
            types,
            query: schema["queryType"]["name"]
                .as_str()
                .unwrap_or("Query")
                .to_owned(),
            mutation: schema["mutationType"]["name"].as_str().map(str::to_owned),
        }
    }

    pub fn kind_of(&self, name: &str) -> &str {
        self.types
            .get(name)
            .map(|t| t.kind.as_str())
            .unwrap_or("SCALAR")
    }

    /// Whether values of the type are leaves (scalars and enums).
    pub fn is_leaf(&self, name: &str) -> bool {
        matches!(self.kind_of(name), "SCALAR" | "ENUM")
    }

    pub fn fields_of(&self, name: &str) -> &[Field] {
        self.types
            .get(name)
            .map(|t| t.fields.as_slice())
            .unwrap_or_default()
    }

    pub fn field(&self, owner: &str, name: &str) -> Option<&Field> {
        self.fields_of(owner).iter().find(|f| f.name == name)
    }

    pub fn input_fields_of(&self, name: &str) -> &[InputValue] {
        self.types
            .get(name)
            .map(|t| t.input_fields.as_slice())
            .unwrap_or_default()
    }

    pub fn enum_values_of(&self, name: &str) -> &[String] {
        self.types
            .get(name)
            .map(|t| t.enum_values.as_slice())
            .unwrap_or_default()
    }

    pub fn possible_of(&self, name: &str) -> &[String] {
        self.types
            .get(name)
            .map(|t| t.possible.as_slice())
            .unwrap_or_default()
    }

    /// The interface of `owner` that declares `field` too, if any: a field an interface
    /// declares is varied once, on the interface.
    pub fn declaring_interface(&self, owner: &str, field: &str) -> Option<&str> {
        self.types
            .get(owner)?
            .interfaces
            .iter()
            .find(|i| self.field(i, field).is_some())
            .map(String::as_str)
    }

    /// The output types a query can reach from the root, interfaces' implementations
    /// and unions' members included.
    pub fn reachable_from_query(&self) -> std::collections::BTreeSet<String> {
        let mut reachable = std::collections::BTreeSet::from([self.query.clone()]);
        let mut queue = vec![self.query.clone()];
        while let Some(name) = queue.pop() {
            let next: Vec<String> = self
                .fields_of(&name)
                .iter()
                .map(|f| f.ty.named().to_owned())
                .chain(self.possible_of(&name).iter().cloned())
                .collect();
            for target in next {
                if reachable.insert(target.clone()) {
                    queue.push(target);
                }
            }
        }
        reachable
    }
}
