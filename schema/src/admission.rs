//! What a request must pass before it runs, whichever way it comes in (a GraphQL document
//! and its variables, or the map routes' parameters):
//!
//! - **Argument hygiene.** Every text in an argument, at any depth (input objects, lists,
//!   `JSON` values, variables), holds no control character but tab, line feed and carriage
//!   return: a NUL cannot reach a database (PostgreSQL refuses it in text). Every list in
//!   an input has a bounded length. A refusal is `BAD_USER_INPUT` naming the argument's
//!   path (`filter.topics[3]`).
//! - **Cost.** What the selected operation asks for is priced field by field, and a
//!   document over the configured limit is refused before it runs
//!   (`GRAPHQL_VALIDATION_FAILED`). The price of a field is what it really does: a page is
//!   its page size times its selection, a `caseStats` list its number of buckets, a
//!   GeoJSON answer its features, an area its vertices; aliases add up, since each
//!   occurrence runs.
//!
//! async-graphql has a complexity limit of its own (`complexity = …` on fields), but its
//! visitor prices only fields selected on object types: a field selected on an interface
//! counts 1 plus its selection whatever its arguments, and every list of a case
//! (`timeline`, `events`, `newsItems`…) is selected on the `Case` interface. So the price
//! is computed here, over the schema's own description (its SDL), where interfaces and
//! unions are known and an abstract selection costs what its most expensive concrete type
//! would.

use crate::QueryLimits;
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationDefinition, Selection,
    SelectionSet, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, Pos, Positioned, Value, Variables};
/// A value as written in a document: it may name variables.
type DocumentValue = async_graphql_value::Value;
use std::collections::{HashMap, HashSet};

mod prices;
use prices::*;

/// The most items a list in an input holds, unless its argument says otherwise
/// ([`list_cap`]).
pub const MAX_LIST_ITEMS: usize = 100;
/// The most news items one `importNewsItems` takes.
pub const MAX_IMPORT_ITEMS: usize = 1_000;
/// How deep a selection may nest (fragments included) before its price is not computed
/// but refused: the depth limit proper is async-graphql's, checked after.
const MAX_WALK_DEPTH: usize = 256;

/// Why a request is refused before it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// `BAD_USER_INPUT` or `GRAPHQL_VALIDATION_FAILED`.
    pub code: &'static str,
    pub message: String,
    /// The argument's path, for `BAD_USER_INPUT`.
    pub field: Option<String>,
    pub pos: Option<Pos>,
}

impl Refusal {
    fn bad_input(path: &str, message: impl std::fmt::Display, pos: Option<Pos>) -> Self {
        Self {
            code: "BAD_USER_INPUT",
            message: format!("{path}: {message}"),
            field: Some(path.to_owned()),
            pos,
        }
    }

    /// The refusal as the error of a GraphQL response, with its code and field.
    pub fn into_server_error(self) -> async_graphql::ServerError {
        let mut error = async_graphql::ServerError::new(self.message, self.pos);
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", self.code);
        if let Some(field) = self.field {
            extensions.set("field", field);
        }
        error
    }
}

/// The checks, with what they need to know of the schema and the configured limits.
pub struct Admission {
    shapes: Shapes,
    limits: QueryLimits,
}

impl Admission {
    /// Reads the schema's shape from its SDL (`ChasquiSchema::sdl`).
    pub fn new(sdl: &str, limits: QueryLimits) -> Self {
        Self {
            shapes: Shapes::read(sdl),
            limits,
        }
    }

    /// Checks the arguments of the operation the request runs and prices it; returns the
    /// price. A document whose operation cannot be picked is left to async-graphql, which
    /// says why.
    pub fn admit(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Result<u64, Refusal> {
        let Some(operation) = pick_operation(document, operation_name) else {
            return Ok(0);
        };
        let walk = Walk {
            admission: self,
            document,
            operation,
            variables,
        };
        let root = match operation.ty {
            async_graphql::parser::types::OperationType::Query => "Query",
            async_graphql::parser::types::OperationType::Mutation => "Mutation",
            async_graphql::parser::types::OperationType::Subscription => "Subscription",
        };
        walk.check_arguments(&operation.selection_set.node, root, &mut HashSet::new(), 0)?;
        let mut priced = HashMap::new();
        let cost = walk.price_set(&operation.selection_set.node, root, None, &mut priced, 0);
        let limit = self.limits.max_complexity as u64;
        if cost > limit {
            return Err(Refusal {
                code: "GRAPHQL_VALIDATION_FAILED",
                message: format!(
                    "Query is too complex: it would cost {} and the limit is {limit} \
                     (a page costs its size times its selection, a list its items, and \
                     every alias counts)",
                    if cost == u64::MAX {
                        "more than can be counted".to_owned()
                    } else {
                        cost.to_string()
                    }
                ),
                field: None,
                pos: Some(operation.selection_set.pos),
            });
        }
        Ok(cost)
    }

    /// Checks a value given for an input type outside a GraphQL document (the map routes'
    /// parameters, read into a `CaseFilter`): the same text and list rules. Paths start
    /// at `prefix` (empty: the value's own fields).
    pub fn check_input(&self, type_name: &str, value: &Value, prefix: &str) -> Result<(), Refusal> {
        let ty = Type {
            base: BaseType::Named(Name::new(type_name)),
            nullable: true,
        };
        self.check_value(
            &ty,
            value,
            &mut prefix.to_owned(),
            None,
            MAX_LIST_ITEMS,
            None,
        )
    }

    /// The price of a map route's answer of `features` features with `filter` (a
    /// `CaseFilter` value), as the `casesGeoJson` field would cost, checked against the
    /// same limit.
    pub fn map_cost(&self, features: u64, filter: Option<&Value>) -> Result<u64, Refusal> {
        let cost = GEOJSON_OWN
            .saturating_add(features)
            .saturating_add(filter.map_or(0, filter_cost));
        let max = self.limits.max_complexity as u64;
        if cost > max {
            return Err(Refusal {
                code: "GRAPHQL_VALIDATION_FAILED",
                message: format!(
                    "the request is too complex: it would cost {cost} and the limit is {max} \
                     (each feature costs 1, each vertex of an area 1)"
                ),
                field: None,
                pos: None,
            });
        }
        Ok(cost)
    }

    /// Text and list rules for a value of type `ty` at `path` (which grows and shrinks as
    /// the value is walked). `argument` is (owner type, field, argument) of a top-level
    /// argument, for the lists whose cap is their own.
    fn check_value(
        &self,
        ty: &Type,
        value: &Value,
        path: &mut String,
        argument: Option<(&str, &str, &str)>,
        default_cap: usize,
        pos: Option<Pos>,
    ) -> Result<(), Refusal> {
        match (&ty.base, value) {
            (BaseType::List(item), Value::List(items)) => {
                let cap = match argument {
                    Some((owner, field, name)) => list_cap(owner, field, name, &self.limits),
                    None => None,
                }
                .or_else(|| self.enum_cap(item))
                .unwrap_or(default_cap);
                if items.len() > cap {
                    return Err(Refusal::bad_input(
                        path,
                        format!("holds {} items; at most {cap} are accepted", items.len()),
                        pos,
                    ));
                }
                let base = path.len();
                for (i, value) in items.iter().enumerate() {
                    path.push_str(&format!("[{i}]"));
                    self.check_value(item, value, path, None, default_cap, pos)?;
                    path.truncate(base);
                }
                Ok(())
            }
            // A single value where a list is expected is read as a list of one.
            (BaseType::List(item), value) => {
                self.check_value(item, value, path, None, default_cap, pos)
            }
            (BaseType::Named(name), Value::Object(fields)) => {
                let input = self.shapes.inputs.get(name.as_str());
                let base = path.len();
                for (key, value) in fields {
                    check_text(path, key, pos)?;
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    match input.and_then(|fields| fields.get(key.as_str())) {
                        Some(field_ty) => {
                            self.check_value(field_ty, value, path, None, default_cap, pos)?
                        }
                        None => check_texts(value, path, pos)?,
                    }
                    path.truncate(base);
                }
                Ok(())
            }
            (BaseType::Named(_), value) => check_texts(value, path, pos),
        }
    }

    /// A list of enum values needs no more items than the enum has values.
    fn enum_cap(&self, item: &Type) -> Option<usize> {
        match &item.base {
            BaseType::Named(name) => self.shapes.enums.get(name.as_str()).copied(),
            BaseType::List(_) => None,
        }
    }
}

/// The cap of a list argument that is not [`MAX_LIST_ITEMS`].
fn list_cap(owner: &str, field: &str, argument: &str, limits: &QueryLimits) -> Option<usize> {
    match (owner, field, argument) {
        ("Query", "nodes", "ids") => Some(limits.page.max_size as usize),
        ("Mutation", "importNewsItems", "items") => Some(MAX_IMPORT_ITEMS),
        _ => None,
    }
}

/// The one rule about characters: text may hold tab, line feed and carriage return, and
/// no other C0 control character nor DEL.
pub fn control_character(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}')
}

fn check_text(path: &str, text: &str, pos: Option<Pos>) -> Result<(), Refusal> {
    match control_character(text) {
        None => Ok(()),
        Some(c) => Err(Refusal::bad_input(
            path,
            format!(
                "contains the control character U+{:04X}; text may hold tab, line feed and \
                 carriage return but no other control character",
                c as u32
            ),
            pos,
        )),
    }
}

/// [`check_text`] over every text of a value whose type says nothing more (a scalar, a
/// `JSON` value, an unknown field).
fn check_texts(value: &Value, path: &mut String, pos: Option<Pos>) -> Result<(), Refusal> {
    match value {
        Value::String(text) => check_text(path, text, pos),
        Value::Enum(name) => check_text(path, name, pos),
        Value::List(items) => {
            let base = path.len();
            for (i, item) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                check_texts(item, path, pos)?;
                path.truncate(base);
            }
            Ok(())
        }
        Value::Object(fields) => {
            let base = path.len();
            for (key, item) in fields {
                check_text(path, key, pos)?;
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                check_texts(item, path, pos)?;
                path.truncate(base);
            }
            Ok(())
        }
        Value::Null | Value::Number(_) | Value::Boolean(_) | Value::Binary(_) => Ok(()),
    }
}

fn pick_operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), None) => Some(&operation.node),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|o| &o.node)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|o| &o.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// What the checks need to know of the schema: each type's fields (their types and
/// arguments), the fields of input types, the concrete types of interfaces and unions,
/// the number of values of enums.
#[derive(Default)]
struct Shapes {
    outputs: HashMap<String, OutputShape>,
    inputs: HashMap<String, HashMap<String, Type>>,
    enums: HashMap<String, usize>,
}

#[derive(Default)]
struct OutputShape {
    fields: HashMap<String, FieldShape>,
    /// For an object, the interfaces it implements; for an interface or a union, the
    /// object types it may be.
    related: Vec<String>,
    is_object: bool,
}

struct FieldShape {
    ty: Type,
    arguments: HashMap<String, Type>,
}

impl Shapes {
    fn read(sdl: &str) -> Self {
        let mut shapes = Shapes::default();
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            tracing::error!("the schema's own SDL does not parse; request costs are not checked");
            return shapes;
        };
        let mut implementers: Vec<(String, String)> = Vec::new();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let name = definition.node.name.node.to_string();
            let fields_of =
                |fields: &[Positioned<async_graphql::parser::types::FieldDefinition>]| {
                    fields
                        .iter()
                        .map(|f| {
                            let f = &f.node;
                            let arguments = f
                                .arguments
                                .iter()
                                .map(|a| (a.node.name.node.to_string(), a.node.ty.node.clone()))
                                .collect();
                            let shape = FieldShape {
                                ty: f.ty.node.clone(),
                                arguments,
                            };
                            (f.name.node.to_string(), shape)
                        })
                        .collect::<HashMap<_, _>>()
                };
            match definition.node.kind {
                TypeKind::Object(object) => {
                    for interface in &object.implements {
                        implementers.push((interface.node.to_string(), name.clone()));
                    }
                    let shape = OutputShape {
                        fields: fields_of(&object.fields),
                        related: object
                            .implements
                            .iter()
                            .map(|i| i.node.to_string())
                            .collect(),
                        is_object: true,
                    };
                    shapes.outputs.insert(name, shape);
                }
                TypeKind::Interface(interface) => {
                    let shape = OutputShape {
                        fields: fields_of(&interface.fields),
                        ..Default::default()
                    };
                    shapes.outputs.insert(name, shape);
                }
                TypeKind::Union(union) => {
                    let shape = OutputShape {
                        related: union.members.iter().map(|m| m.node.to_string()).collect(),
                        ..Default::default()
                    };
                    shapes.outputs.insert(name, shape);
                }
                TypeKind::InputObject(input) => {
                    let fields = input
                        .fields
                        .iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()))
                        .collect();
                    shapes.inputs.insert(name, fields);
                }
                TypeKind::Enum(values) => {
                    shapes.enums.insert(name, values.values.len());
                }
                TypeKind::Scalar => {}
            }
        }
        for (interface, object) in implementers {
            if let Some(shape) = shapes.outputs.get_mut(&interface) {
                shape.related.push(object);
            }
        }
        shapes
    }

    /// The object types a value of `type_name` may be: itself for an object, its
    /// implementers or members otherwise (none for an unknown type).
    fn concrete<'a>(&'a self, type_name: &'a str) -> Vec<&'a str> {
        match self.outputs.get(type_name) {
            Some(shape) if shape.is_object => vec![type_name],
            Some(shape) => shape.related.iter().map(String::as_str).collect(),
            None => Vec::new(),
        }
    }

    /// Whether a fragment on `condition` applies to a value of the object type `object`.
    fn applies(&self, condition: &str, object: &str) -> bool {
        condition == object
            || self
                .outputs
                .get(object)
                .is_some_and(|shape| shape.related.iter().any(|i| i == condition))
            || self
                .outputs
                .get(condition)
                .is_some_and(|shape| !shape.is_object && shape.related.iter().any(|o| o == object))
    }

    /// A field of a type, looked up on the type and then on its interfaces.
    fn field(&self, type_name: &str, field: &str) -> Option<&FieldShape> {
        let shape = self.outputs.get(type_name)?;
        shape.fields.get(field).or_else(|| {
            shape
                .related
                .iter()
                .find_map(|i| self.outputs.get(i)?.fields.get(field))
        })
    }

    /// The interfaces of an object type.
    fn interfaces(&self, type_name: &str) -> &[String] {
        match self.outputs.get(type_name) {
            Some(shape) if shape.is_object => &shape.related,
            _ => &[],
        }
    }
}

/// The named type under any list wrappers, and whether there was one.
fn named(ty: &Type) -> (&str, bool) {
    match &ty.base {
        BaseType::Named(name) => (name.as_str(), false),
        BaseType::List(item) => (named(item).0, true),
    }
}

/// One pass over the selected operation of a document.
struct Walk<'a> {
    admission: &'a Admission,
    document: &'a ExecutableDocument,
    operation: &'a OperationDefinition,
    variables: &'a Variables,
}

/// A priced selection set: (its address, the type it is read on, the page size its
/// connection was given).
type PricedKey = (usize, String, Option<u64>);

impl Walk<'_> {
    /// An argument's value with its variables replaced (by the request's value, the
    /// variable's default, or null).
    fn resolve(&self, value: &DocumentValue) -> Value {
        value
            .clone()
            .into_const_with(|name| {
                let value = self.variables.get(&name).cloned().or_else(|| {
                    self.operation
                        .variable_definitions
                        .iter()
                        .find(|d| d.node.name.node == name)
                        .and_then(|d| d.node.default_value().cloned())
                });
                Ok::<_, std::convert::Infallible>(value.unwrap_or(Value::Null))
            })
            .unwrap_or(Value::Null)
    }

    /// Checks the arguments of every field of a selection set (fragments included, each
    /// fragment once), with the types the schema gives them.
    fn check_arguments(
        &self,
        set: &SelectionSet,
        type_name: &str,
        seen: &mut HashSet<Name>,
        depth: usize,
    ) -> Result<(), Refusal> {
        if depth > MAX_WALK_DEPTH {
            return Ok(());
        }
        let shapes = &self.admission.shapes;
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let shape = shapes.field(type_name, &field.name.node);
                    for (name, value) in &field.arguments {
                        let value_const = self.resolve(&value.node);
                        let ty = shape.and_then(|s| s.arguments.get(name.node.as_str()));
                        let mut path = name.node.to_string();
                        match ty {
                            Some(ty) => self.admission.check_value(
                                ty,
                                &value_const,
                                &mut path,
                                Some((type_name, &field.name.node, &name.node)),
                                MAX_LIST_ITEMS,
                                Some(value.pos),
                            )?,
                            None => check_texts(&value_const, &mut path, Some(value.pos))?,
                        }
                    }
                    let child = shape.map_or("", |s| named(&s.ty).0);
                    self.check_arguments(&field.selection_set.node, child, seen, depth + 1)?;
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on = fragment
                        .type_condition
                        .as_ref()
                        .map_or(type_name, |c| c.node.on.node.as_str());
                    self.check_arguments(&fragment.selection_set.node, on, seen, depth + 1)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if !seen.insert(name.clone()) {
                        continue;
                    }
                    if let Some(fragment) = self.document.fragments.get(name) {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.check_arguments(
                            &fragment.node.selection_set.node,
                            on,
                            seen,
                            depth + 1,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The price of a selection set read on `type_name`. On an interface or a union, a
    /// value is one of its object types: the price is that of the most expensive one.
    /// `page` is the page size of the connection the set is read on (its `edges` and
    /// `nodes` have that many items).
    fn price_set(
        &self,
        set: &SelectionSet,
        type_name: &str,
        page: Option<u64>,
        priced: &mut HashMap<PricedKey, u64>,
        depth: usize,
    ) -> u64 {
        if depth > MAX_WALK_DEPTH {
            return u64::MAX;
        }
        let key = (
            set as *const SelectionSet as usize,
            type_name.to_owned(),
            page,
        );
        if let Some(price) = priced.get(&key) {
            return *price;
        }
        let concrete = self.admission.shapes.concrete(type_name);
        let price = if concrete.is_empty() {
            // An unknown type (or a document that does not validate): every field counts.
            self.price_on(set, type_name, None, page, priced, depth, &mut Vec::new())
        } else {
            concrete
                .iter()
                .map(|object| {
                    self.price_on(
                        set,
                        type_name,
                        Some(object),
                        page,
                        priced,
                        depth,
                        &mut Vec::new(),
                    )
                })
                .max()
                .unwrap_or(0)
        };
        priced.insert(key, price);
        price
    }

    /// The price of the fields of `set` that a value of `object` runs (`None`: all of
    /// them), selected on `selected_on`.
    #[allow(clippy::too_many_arguments)]
    fn price_on(
        &self,
        set: &SelectionSet,
        selected_on: &str,
        object: Option<&str>,
        page: Option<u64>,
        priced: &mut HashMap<PricedKey, u64>,
        depth: usize,
        spreads: &mut Vec<Name>,
    ) -> u64 {
        let shapes = &self.admission.shapes;
        let applies = |condition: &str| object.is_none_or(|o| shapes.applies(condition, o));
        let mut total: u64 = 0;
        for selection in &set.items {
            let price = match &selection.node {
                Selection::Field(field) => {
                    let owner = object.unwrap_or(selected_on);
                    self.price_field(&field.node, owner, page, priced, depth)
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    match &fragment.type_condition {
                        Some(c) if !applies(&c.node.on.node) => 0,
                        _ => self.price_on(
                            &fragment.selection_set.node,
                            selected_on,
                            object,
                            page,
                            priced,
                            depth + 1,
                            spreads,
                        ),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    match self.document.fragments.get(name) {
                        // A fragment inside itself does not validate; it costs nothing here.
                        _ if spreads.contains(name) => 0,
                        Some(f) if applies(&f.node.type_condition.node.on.node) => {
                            // Priced once per type and page however often it is spread (a
                            // fragment spreading another twice, twenty deep, is 2^20
                            // spreads but twenty prices).
                            let set = &f.node.selection_set.node;
                            let key = (
                                set as *const SelectionSet as usize,
                                object.unwrap_or(selected_on).to_owned(),
                                page,
                            );
                            match priced.get(&key) {
                                Some(price) => *price,
                                None => {
                                    spreads.push(name.clone());
                                    let price = self.price_on(
                                        set,
                                        selected_on,
                                        object,
                                        page,
                                        priced,
                                        depth + 1,
                                        spreads,
                                    );
                                    spreads.pop();
                                    priced.insert(key, price);
                                    price
                                }
                            }
                        }
                        _ => 0,
                    }
                }
            };
            total = total.saturating_add(price);
        }
        total
    }

    /// The price of one occurrence of a field of the object type `owner`.
    fn price_field(
        &self,
        field: &Field,
        owner: &str,
        page: Option<u64>,
        priced: &mut HashMap<PricedKey, u64>,
        depth: usize,
    ) -> u64 {
        let shapes = &self.admission.shapes;
        let name = field.name.node.as_str();
        let shape = shapes.field(owner, name);
        let (child_type, is_list) = shape.map_or(("", false), |s| named(&s.ty));
        let arguments = Arguments { walk: self, field };
        let rule = rule(owner, name, &arguments, &self.admission.limits).or_else(|| {
            shapes
                .interfaces(owner)
                .iter()
                .find_map(|i| rule(i, name, &arguments, &self.admission.limits))
        });
        let mut price = rule.unwrap_or_default();
        if matches!(name, "edges" | "nodes")
            && let Some(page) = page
        {
            price.items = Some(page);
        }
        let items = match (is_list, price.items) {
            (_, Some(items)) => items,
            (true, None) => DEFAULT_LIST_ITEMS,
            (false, None) => 1,
        };
        let selection = &field.selection_set.node;
        let each = if selection.items.is_empty() {
            // A scalar: each item is one value.
            u64::from(is_list || price.items.is_some())
        } else {
            self.price_set(selection, child_type, price.page, priced, depth + 1)
        };
        price.own.saturating_add(items.saturating_mul(each))
    }
}

#[cfg(test)]
mod tests;
