//! Queries generated from the schema: selections over every field, and invocations of
//! every field that takes arguments (root or nested), one per argument value.

use super::schema::{Field, Schema};
use super::values::{ArgValue, Names, Registry, Role, classify};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

const MAX_DEPTH: usize = 5;

/// How often one selection expands the relations of the same type; later occurrences
/// select its scalar fields only, which keeps a selection that reaches everything to a
/// few hundred kilobytes of answer.
const EXPANSIONS_PER_TYPE: usize = 3;

/// Root lists are asked for this many items, so that every record is in the answer.
const ROOT_PAGE: i64 = 100;

/// Fields an anonymous caller is refused (admins only, say): left out of the big
/// selections, where they would add an error per record, and asked on their own.
pub type Refused = BTreeSet<(String, String)>;

/// Builds the selection set of `type_name`, recording every field it selects.
#[allow(clippy::too_many_arguments)]
pub fn selection(
    schema: &Schema,
    type_name: &str,
    depth: usize,
    path: &mut Vec<String>,
    covered: &mut BTreeSet<String>,
    expanded: &mut BTreeMap<String, usize>,
    refused: &Refused,
) -> String {
    let Some(info) = schema.types.get(type_name) else {
        return String::new();
    };
    let mut out = String::from("__typename");
    if info.kind == "INTERFACE" || info.kind == "UNION" {
        for implementation in &info.possible {
            let inner = selection(
                schema,
                implementation,
                depth,
                path,
                covered,
                expanded,
                refused,
            );
            out.push_str(&format!(" ... on {implementation} {{ {inner} }}"));
        }
        return out;
    }
    path.push(type_name.to_owned());
    let count = expanded.entry(type_name.to_owned()).or_default();
    *count += 1;
    let expand = *count <= EXPANSIONS_PER_TYPE;
    for field in &info.fields {
        if field.has_required_argument()
            || refused.contains(&(type_name.to_owned(), field.name.clone()))
        {
            continue;
        }
        let target = field.ty.named();
        if schema.is_leaf(target) {
            covered.insert(format!("{type_name}.{}", field.name));
            out.push(' ');
            out.push_str(&field.name);
        } else if expand && depth < MAX_DEPTH && path.iter().filter(|t| *t == target).count() < 2 {
            covered.insert(format!("{type_name}.{}", field.name));
            let inner = selection(schema, target, depth + 1, path, covered, expanded, refused);
            out.push_str(&format!(" {} {{ {inner} }}", field.name));
        }
    }
    path.pop();
    out
}

/// One step of the way from the root to a nested field.
#[derive(Clone, Debug)]
enum Step {
    Field { name: String, first: bool },
    Fragment(String),
}

/// The shortest way from the root to `target` through fields without required
/// arguments, preferring root lists (asked with a full page) and reports to lookups.
fn route(schema: &Schema, target: &str, refused: &Refused) -> Option<Vec<Step>> {
    let mut seen = BTreeSet::from([schema.query.clone()]);
    let mut queue = VecDeque::from([(schema.query.clone(), Vec::<Step>::new())]);
    while let Some((at, steps)) = queue.pop_front() {
        if at == target {
            return Some(steps);
        }
        let mut fields: Vec<&Field> = schema
            .fields_of(&at)
            .iter()
            .filter(|f| {
                !f.has_required_argument() && !refused.contains(&(at.clone(), f.name.clone()))
            })
            .collect();
        if at == schema.query {
            // Root lists (asked with a full page), and root answers over a filter that are
            // one object (a report: asked over everything).
            fields.retain(|f| {
                f.arg("first").is_some() || (f.arg("filter").is_some() && !f.ty.is_list())
            });
        }
        for field in fields {
            let next = field.ty.named();
            if schema.is_leaf(next) || !seen.insert(next.to_owned()) {
                continue;
            }
            let mut more = steps.clone();
            more.push(Step::Field {
                name: field.name.clone(),
                first: at == schema.query && field.arg("first").is_some(),
            });
            queue.push_back((next.to_owned(), more));
        }
        for possible in schema.possible_of(&at) {
            if seen.insert(possible.clone()) {
                let mut more = steps.clone();
                more.push(Step::Fragment(possible.clone()));
                queue.push_back((possible.clone(), more));
            }
        }
    }
    None
}

/// The argument varied in an invocation, and the value it was given.
#[derive(Clone, Debug)]
pub struct Varied {
    pub path: String,
    pub names: Names,
    pub value: ArgValue,
    /// Which set of the other arguments it was combined with.
    pub base: usize,
}

/// One field asked with one set of arguments.
#[derive(Clone, Debug)]
pub struct Invocation {
    pub owner: String,
    pub field: String,
    pub args: Map<String, Value>,
    pub varied: Option<Varied>,
}

impl Invocation {
    pub fn label(&self) -> String {
        format!(
            "{}.{}({})",
            self.owner,
            self.field,
            Value::Object(self.args.clone())
        )
    }

    /// The (owner, field, argument, base) an invocation of a missing value shares.
    pub fn pair_key(&self) -> Option<(String, String, String, usize)> {
        let varied = self.varied.as_ref()?;
        Some((
            self.owner.clone(),
            self.field.clone(),
            varied.path.clone(),
            varied.base,
        ))
    }
}

/// An argument (or input-object field) that the classification rules do not know.
pub struct Unknown(pub String);

struct Leaf {
    path: Vec<String>,
    role: Role,
    list: bool,
}

fn leaves(
    schema: &Schema,
    field: &Field,
    owner: &str,
    unknown: &mut Vec<Unknown>,
    covered: &mut BTreeSet<String>,
    fixed: &mut BTreeMap<String, String>,
) -> Vec<Leaf> {
    let mut out = Vec::new();
    let mut stack: Vec<(Vec<String>, super::schema::InputValue)> = field
        .args
        .iter()
        .map(|a| (vec![a.name.clone()], a.clone()))
        .collect();
    stack.reverse();
    while let Some((path, input)) = stack.pop() {
        let name = format!("{owner}.{}({})", field.name, path.join("."));
        match classify(schema, field, &input) {
            None => unknown.push(Unknown(format!("{name}: {}", input.ty.render()))),
            Some(Role::Object) if path.len() < 4 => {
                for inner in schema.input_fields_of(input.ty.named()).iter().rev() {
                    let mut deeper = path.clone();
                    deeper.push(inner.name.clone());
                    stack.push((deeper, inner.clone()));
                }
            }
            Some(Role::Object) => unknown.push(Unknown(format!("{name}: nested too deep"))),
            Some(role) => {
                match &role {
                    Role::Names(_) => {
                        covered.insert(name);
                    }
                    Role::Fixed(reason) => {
                        fixed.insert(name, (*reason).to_owned());
                    }
                    Role::Carried(by) => {
                        fixed.insert(name, format!("given with `{by}`, as one value"));
                    }
                    _ => {}
                }
                out.push(Leaf {
                    path,
                    role,
                    list: input.ty.is_list(),
                })
            }
        }
    }
    out
}

fn set_at(args: &mut Map<String, Value>, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            if let (Value::Object(spread), true) = (&value, last == "latitude") {
                // A point: both coordinates at once.
                args.extend(spread.clone());
            } else {
                args.insert(last.clone(), value);
            }
        }
        [first, rest @ ..] => {
            let inner = args
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                set_at(inner, rest, value);
            }
        }
    }
}

/// Every non-empty subset of up to two values, and all of them; each says whether it is
/// a single value, the sets the values of the other arguments are combined with.
fn combinations(values: &[String]) -> Vec<(Vec<String>, bool)> {
    let mut out = Vec::new();
    for (i, a) in values.iter().enumerate() {
        out.push((vec![a.clone()], true));
        for b in &values[i + 1..] {
            out.push((vec![a.clone(), b.clone()], false));
        }
    }
    if values.len() > 2 {
        out.push((values.to_vec(), false));
    }
    out
}

pub struct Generated {
    pub invocations: Vec<Invocation>,
    pub unknown: Vec<Unknown>,
    /// `Owner.field(path)` of every argument that names a record.
    pub naming_arguments: BTreeSet<String>,
    /// Required arguments without a way to give them.
    pub no_strategy: Vec<String>,
    /// Arguments that name nothing and are not varied, with the reason.
    pub fixed: BTreeMap<String, String>,
}

/// The invocations of every field with arguments, and of every refused field.
pub fn invocations(schema: &Schema, registry: &Registry, refused: &Refused) -> Generated {
    let mut generated = Generated {
        invocations: Vec::new(),
        unknown: Vec::new(),
        naming_arguments: BTreeSet::new(),
        no_strategy: Vec::new(),
        fixed: BTreeMap::new(),
    };
    let reachable = schema.reachable_from_query();
    for (owner, info) in &schema.types {
        if !reachable.contains(owner) || !matches!(info.kind.as_str(), "OBJECT" | "INTERFACE") {
            continue;
        }
        let root = *owner == schema.query;
        for field in &info.fields {
            if !root && schema.declaring_interface(owner, &field.name).is_some() {
                continue;
            }
            let is_refused = refused.contains(&(owner.clone(), field.name.clone()));
            if field.args.is_empty() && !root && !is_refused {
                continue;
            }
            let leaves = leaves(
                schema,
                field,
                owner,
                &mut generated.unknown,
                &mut generated.naming_arguments,
                &mut generated.fixed,
            );
            // The sets of required arguments (and a full page for root lists), each
            // saying whether the naming arguments' values are combined with it.
            let mut bases: Vec<(Map<String, Value>, bool)> = vec![(Map::new(), true)];
            let mut required_names = false;
            for arg in field.args.iter().filter(|a| a.must_be_given()) {
                let leaf = leaves.iter().find(|l| l.path == [arg.name.clone()]);
                let options: Vec<(Value, bool)> = match leaf.map(|l| (&l.role, l.list)) {
                    Some((Role::Names(names), _)) => {
                        required_names = true;
                        let default = registry
                            .values(names)
                            .into_iter()
                            .find(|v| !v.class.hidden())
                            .map(|v| (v.value, true));
                        default.into_iter().collect()
                    }
                    Some((Role::Plain(_), true)) => {
                        let values = schema.enum_values_of(arg.ty.named());
                        combinations(values)
                            .into_iter()
                            .map(|(c, core)| (Value::from(c), core))
                            .collect()
                    }
                    Some((Role::Plain(values), false)) => {
                        values.iter().map(|v| (v.clone(), true)).collect()
                    }
                    Some((Role::Carried(_), _)) => continue,
                    _ => Vec::new(),
                };
                if options.is_empty() {
                    generated
                        .no_strategy
                        .push(format!("{owner}.{}({})", field.name, arg.name));
                    continue;
                }
                bases = bases
                    .into_iter()
                    .flat_map(|(base, core)| {
                        options.iter().map(move |(option, also)| {
                            let mut base = base.clone();
                            set_at(&mut base, std::slice::from_ref(&arg.name), option.clone());
                            (base, core && *also)
                        })
                    })
                    .collect();
            }
            if root && field.arg("first").is_some() {
                for (base, _) in &mut bases {
                    base.insert("first".into(), Value::from(ROOT_PAGE));
                }
            }
            let mut add = |args: Map<String, Value>, varied: Option<Varied>| {
                generated.invocations.push(Invocation {
                    owner: owner.clone(),
                    field: field.name.clone(),
                    args,
                    varied,
                });
            };
            if (root || is_refused) && !required_names {
                for (base, _) in &bases {
                    add(base.clone(), None);
                }
            }
            for leaf in &leaves {
                match &leaf.role {
                    Role::Names(names) => {
                        let values = registry.values(names);
                        if values.is_empty() {
                            generated.no_strategy.push(format!(
                                "{owner}.{}({}): no values of {names:?}",
                                field.name,
                                leaf.path.join(".")
                            ));
                        }
                        for value in values {
                            for (i, (base, _)) in
                                bases.iter().enumerate().filter(|(_, (_, core))| *core)
                            {
                                let mut args = base.clone();
                                let given = if leaf.list && !value.value.is_array() {
                                    Value::Array(vec![value.value.clone()])
                                } else {
                                    value.value.clone()
                                };
                                set_at(&mut args, &leaf.path, given);
                                add(
                                    args,
                                    Some(Varied {
                                        path: leaf.path.join("."),
                                        names: names.clone(),
                                        value: value.clone(),
                                        base: i,
                                    }),
                                );
                            }
                        }
                    }
                    Role::Plain(values) => {
                        if leaf.path.len() == 1
                            && field.arg(&leaf.path[0]).is_some_and(|a| a.must_be_given())
                        {
                            continue;
                        }
                        for value in values {
                            let mut args = bases[0].0.clone();
                            set_at(&mut args, &leaf.path, value.clone());
                            add(args, None);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    generated
}

/// The text of a request holding several invocations under aliases, and its variables.
pub struct Document {
    pub text: String,
    pub variables: Value,
}

/// Fragments, one per asked field, built once.
pub struct Selections {
    fragments: BTreeMap<(String, String), (String, String)>,
    pub covered: BTreeSet<String>,
}

impl Selections {
    pub fn new() -> Selections {
        Selections {
            fragments: BTreeMap::new(),
            covered: BTreeSet::new(),
        }
    }

    /// The fragment name for a field's answer, or `None` for a leaf.
    fn fragment(
        &mut self,
        schema: &Schema,
        owner: &str,
        field: &Field,
        depth: usize,
        refused: &Refused,
    ) -> Option<String> {
        let target = field.ty.named();
        self.covered.insert(format!("{owner}.{}", field.name));
        if schema.is_leaf(target) {
            return None;
        }
        let key = (owner.to_owned(), field.name.clone());
        if let Some((name, _)) = self.fragments.get(&key) {
            return Some(name.clone());
        }
        let name = format!("F{}", self.fragments.len());
        let mut expanded = BTreeMap::new();
        let inner = selection(
            schema,
            target,
            depth,
            &mut vec![schema.query.clone()],
            &mut self.covered,
            &mut expanded,
            refused,
        );
        let text = format!("fragment {name} on {target} {{ {inner} }}");
        self.fragments.insert(key, (name.clone(), text));
        Some(name)
    }

    /// One request for several invocations, aliased `a0`, `a1`…
    pub fn document(
        &mut self,
        schema: &Schema,
        invocations: &[&Invocation],
        refused: &Refused,
    ) -> Document {
        let mut definitions = Vec::new();
        let mut body = Vec::new();
        let mut variables = Map::new();
        let mut used = BTreeSet::new();
        for (i, invocation) in invocations.iter().enumerate() {
            let Some(field) = schema.field(&invocation.owner, &invocation.field) else {
                continue;
            };
            let mut arguments = Vec::new();
            for (name, value) in &invocation.args {
                let Some(arg) = field.arg(name) else {
                    continue;
                };
                let variable = format!("a{i}_{name}");
                definitions.push(format!("${variable}: {}", arg.ty.render()));
                arguments.push(format!("{name}: ${variable}"));
                variables.insert(variable, value.clone());
            }
            let arguments = if arguments.is_empty() {
                String::new()
            } else {
                format!("({})", arguments.join(", "))
            };
            let root = invocation.owner == schema.query;
            let steps = if root {
                Vec::new()
            } else {
                route(schema, &invocation.owner, refused).unwrap_or_default()
            };
            let fragment =
                self.fragment(schema, &invocation.owner, field, steps.len() + 1, refused);
            if let Some(name) = &fragment {
                used.insert(name.clone());
            }
            let answer = match &fragment {
                Some(name) => format!(" {{ ...{name} }}"),
                None => String::new(),
            };
            let mut text = format!("{}{arguments}{answer}", invocation.field);
            for step in steps.iter().rev() {
                text = match step {
                    Step::Field { name, first: true } => {
                        format!("{name}(first: {ROOT_PAGE}) {{ __typename {text} }}")
                    }
                    Step::Field { name, .. } => format!("{name} {{ __typename {text} }}"),
                    Step::Fragment(t) => format!("... on {t} {{ {text} }}"),
                };
            }
            body.push(format!("a{i}: {text}"));
        }
        let definitions = if definitions.is_empty() {
            String::new()
        } else {
            format!("({})", definitions.join(", "))
        };
        let fragments: Vec<&str> = self
            .fragments
            .values()
            .filter(|(name, _)| used.contains(name))
            .map(|(_, text)| text.as_str())
            .collect();
        Document {
            text: format!(
                "query{definitions} {{ {} }} {}",
                body.join(" "),
                fragments.join(" ")
            ),
            variables: Value::Object(variables),
        }
    }
}

/// The (type, field) an error's path points at, walking the schema from the root.
pub fn field_at(schema: &Schema, path: &[Value]) -> Vec<(String, String)> {
    let mut owners = vec![schema.query.clone()];
    let mut found = Vec::new();
    for segment in path {
        let Some(name) = segment.as_str() else {
            continue;
        };
        let mut next = Vec::new();
        found.clear();
        for owner in &owners {
            let candidates: Vec<String> = std::iter::once(owner.clone())
                .chain(schema.possible_of(owner).iter().cloned())
                .collect();
            for candidate in candidates {
                if let Some(field) = schema.field(&candidate, name) {
                    found.push((candidate.clone(), name.to_owned()));
                    next.push(field.ty.named().to_owned());
                }
            }
        }
        owners = next;
    }
    found
}
