//! The records the leak test hides, written over GraphQL with the editor's and the admin's
//! tokens, through every mutation that has side effects.
//!
//! Two databases start from the demo. The public-only one gets every public write; the one
//! with secrets gets the same public writes in the same order, plus the hidden ones. A
//! record an anonymous caller may not see (restricted, reached only through a restricted
//! record, archived or purged) is written to the second database only; a public record
//! whose write names hidden records (a public case placed on a restricted site, say) is
//! written to both, with the hidden parts left out of the public-only write. The program
//! runs in phases so that each table gets the rows both databases share before the rows
//! only the second one has: public ids and versions are then the same in both, and
//! `both` checks it for every record it creates.
//!
//! Every id, slug, code and text a hidden write makes is kept in the registry, with public
//! ones and ones that do not exist, as the values the generated arguments are given.

mod link_states;
mod values;

use super::schema::Schema;
use super::values::{ArgValue, Class, Names, Registry};
use crate::app::TestApp;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Marks the text of hidden records: an anonymous answer holding it shows a secret.
pub const MARK: &str = "SECRET";

/// Mutations that need no fixture, with the reason. Every other mutation must write a
/// hidden record in the fixture program, or the test fails. (Tokens are managed by the
/// `chasqui token` commands, not through the schema.)
pub const MUTATIONS_THAT_CANNOT_LEAK: &[(&str, &str)] = &[];

/// The restricted places' points, and the other points spatial arguments aim at.
const SECRET_SITE: (f64, f64) = (-14.0, -72.2);
const FREE_SITE: (f64, f64) = (-14.05, -72.3);
const SECRET_DISTRICT: (f64, f64) = (-13.25, -72.0);
const LATER_SITE: (f64, f64) = (-16.3, -69.5);
const CHALLHUAHUACHO: (f64, f64) = (-14.1186, -72.2467);
const CHINCHERO: (f64, f64) = (-13.3919, -72.0489);
const PACIFIC: (f64, f64) = (-40.0, -100.0);

#[derive(Clone, Copy)]
pub enum Token {
    Editor,
    Admin,
}
use Token::{Admin, Editor};

/// One write of the fixture program.
pub struct FixturePath {
    pub mutation: String,
    pub what: String,
    /// Whether the write names or makes a record an anonymous caller may not see.
    pub hidden: bool,
}

pub struct Writer<'a> {
    pub schema: &'a Schema,
    pub public_only: &'a TestApp,
    pub with_secrets: &'a TestApp,
    pub paths: Vec<FixturePath>,
    pub registry: Registry,
}

fn global(kind: &str, id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

/// A square GeoJSON polygon.
fn square(west: f64, south: f64, east: f64, north: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
        [west, north], [west, south]]]})
}

fn str_at(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value}"))
        .to_owned()
}

fn id(value: &Value) -> String {
    str_at(value, "/id")
}

/// `{"input": {...}}` with `extra`'s fields added.
fn input(base: Value, extra: Value) -> Value {
    let mut base = base;
    if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    json!({ "input": base })
}

impl Writer<'_> {
    /// What a mutation's answer selects: the record's id, and the id of every record it
    /// points to (a link's status change and event, a case's status history); for an
    /// answer that is no record, its scalar fields.
    fn selection(&self, type_name: &str) -> String {
        let fields = self.schema.fields_of(type_name);
        if !fields.iter().any(|f| f.name == "id") {
            let leaves = fields
                .iter()
                .filter(|f| f.args.is_empty() && self.schema.is_leaf(f.ty.named()))
                .map(|f| f.name.as_str());
            return std::iter::once("__typename")
                .chain(leaves)
                .collect::<Vec<_>>()
                .join(" ");
        }
        let mut out = String::from("id");
        for field in fields {
            let target = field.ty.named();
            if field.args.is_empty() && self.schema.field(target, "id").is_some() {
                out.push_str(&format!(" {} {{ id }}", field.name));
            }
        }
        out
    }

    /// Sends `mutation(args)` with variables typed from the schema.
    async fn call(&self, app: &TestApp, token: Token, mutation: &str, args: &Value) -> Value {
        let root = self
            .schema
            .mutation
            .as_deref()
            .unwrap_or_else(|| panic!("the schema has no mutations"));
        let field = self
            .schema
            .field(root, mutation)
            .unwrap_or_else(|| panic!("no mutation {mutation}"));
        let given = args.as_object().cloned().unwrap_or_default();
        let mut definitions = Vec::new();
        let mut arguments = Vec::new();
        for name in given.keys() {
            let arg = field
                .arg(name)
                .unwrap_or_else(|| panic!("{mutation} has no argument {name}"));
            definitions.push(format!("${name}: {}", arg.ty.render()));
            arguments.push(format!("{name}: ${name}"));
        }
        let target = field.ty.named();
        let selection = if self.schema.is_leaf(target) {
            String::new()
        } else {
            format!(" {{ {} }}", self.selection(target))
        };
        let document = format!(
            "mutation({}) {{ {mutation}({}){selection} }}",
            definitions.join(", "),
            arguments.join(", ")
        );
        let token = match token {
            Editor => &app.editor,
            Admin => &app.admin,
        };
        let body = app
            .graphql_as(Some(token), &document, Value::Object(given))
            .await;
        assert!(
            body.get("errors").is_none(),
            "fixture {mutation}({args}) failed: {body:#}"
        );
        body["data"][mutation].clone()
    }

    /// A write to both databases: the public-only one gets `public_args`, the other
    /// `secret_args` (the same write with the hidden records named). A record created in
    /// both must get the same id in both.
    async fn both(
        &mut self,
        mutation: &str,
        what: &str,
        public_args: Value,
        secret_args: Value,
    ) -> Value {
        let a = self
            .call(self.public_only, Editor, mutation, &public_args)
            .await;
        let b = self
            .call(self.with_secrets, Editor, mutation, &secret_args)
            .await;
        if let (Some(x), Some(y)) = (a.get("id"), b.get("id")) {
            assert_eq!(
                x, y,
                "{mutation} ({what}) created different ids: the fixture program must write \
                 each table's shared rows before its secret ones"
            );
        }
        self.paths.push(FixturePath {
            mutation: mutation.to_owned(),
            what: what.to_owned(),
            hidden: public_args != secret_args,
        });
        b
    }

    /// The same public write to both databases.
    async fn public(&mut self, mutation: &str, what: &str, args: Value) -> Value {
        self.both(mutation, what, args.clone(), args).await
    }

    /// A write to the database with secrets only.
    async fn secret(&mut self, token: Token, mutation: &str, what: &str, args: Value) -> Value {
        let b = self.call(self.with_secrets, token, mutation, &args).await;
        self.paths.push(FixturePath {
            mutation: mutation.to_owned(),
            what: what.to_owned(),
            hidden: true,
        });
        b
    }

    /// Keeps a value for the arguments of a kind.
    fn keep(&mut self, names: Names, value: impl Into<Value>, class: Class, label: &str) {
        self.registry
            .add(names, ArgValue::new(value.into(), class, label));
    }

    /// Keeps a global id, when the answer has one at `pointer`.
    fn keep_id(&mut self, kind: &str, answer: &Value, pointer: &str, class: Class, label: &str) {
        if let Some(id) = answer.pointer(pointer).and_then(Value::as_str) {
            self.keep(Names::Record(kind.into()), id, class, label);
        }
    }

    /// Keeps the ids of a link and of the status change and event it recorded.
    fn keep_link(&mut self, link: &Value, class: Class, label: &str) {
        self.keep_id("NewsLink", link, "/id", class, label);
        let change = format!("status change of the {label}");
        self.keep_id("StatusChange", link, "/statusChange/id", class, &change);
        let event = format!("event of the {label}");
        self.keep_id("Event", link, "/event/id", class, &event);
    }

    /// Mutations with no hidden fixture and no reason to have none.
    pub fn uncovered_mutations(&self) -> Vec<String> {
        let Some(root) = self.schema.mutation.as_deref() else {
            return Vec::new();
        };
        self.schema
            .fields_of(root)
            .iter()
            .map(|f| f.name.clone())
            .filter(|name| {
                !MUTATIONS_THAT_CANNOT_LEAK.iter().any(|(m, _)| m == name)
                    && !self.paths.iter().any(|p| p.hidden && p.mutation == *name)
            })
            .collect()
    }
}

/// Reads a value as an admin; both databases must agree on it (it is public).
async fn shared(writer: &Writer<'_>, query: &str, pointer: &str) -> String {
    let mut found = Vec::new();
    for app in [writer.public_only, writer.with_secrets] {
        let data = app.data_as(Some(&app.admin), query, json!({})).await;
        found.push(str_at(&data, pointer));
    }
    assert_eq!(found[0], found[1], "{query}: the databases differ");
    found.swap_remove(1)
}

/// Ids of the demo's records.
struct Demo {
    cases: BTreeMap<&'static str, String>,
    places: BTreeMap<&'static str, String>,
    mmg: String,
    /// A demo news item not linked to Las Bambas.
    spare_news: String,
}

async fn demo_ids(writer: &Writer<'_>) -> Demo {
    let mut cases = BTreeMap::new();
    for slug in [
        "las-bambas",
        "toromocho",
        "chinchero-airport",
        "gender-curriculum",
        "forced-sterilisations",
    ] {
        let query = format!(r#"{{ case(slug: "{slug}") {{ id }} }}"#);
        cases.insert(slug, shared(writer, &query, "/case/id").await);
    }
    let mut places = BTreeMap::new();
    for code in ["03", "08", "0305", "030506", "0813", "2104"] {
        let query = format!(r#"{{ location(code: "{code}") {{ id }} }}"#);
        places.insert(code, shared(writer, &query, "/location/id").await);
    }
    let mmg = shared(writer, r#"{ actor(slug: "mmg") { id } }"#, "/actor/id").await;
    let news = writer
        .with_secrets
        .data_as(
            None,
            "{ newsItems(first: 100) { nodes { id cases { case { slug } } } } }",
            json!({}),
        )
        .await;
    let spare_news = news["newsItems"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|n| !n["cases"].to_string().contains("las-bambas"))
        .map(id)
        .unwrap_or_else(|| panic!("a demo news item not about Las Bambas: {news}"));
    Demo {
        cases,
        places,
        mmg,
        spare_news,
    }
}

/// Las Bambas's roles and placements as inputs, to write them back with more.
async fn bambas_sets(app: &TestApp) -> (Vec<Value>, Vec<Value>) {
    let data = app
        .data_as(
            Some(&app.admin),
            r#"{ case(slug: "las-bambas") { actors { actor { id } role startedOn { value }
                 endedOn { value } note visibility } locations { location { id } precision } } }"#,
            json!({}),
        )
        .await;
    let list = |key: &str| data["case"][key].as_array().cloned().unwrap_or_default();
    let roles = list("actors")
        .iter()
        .map(|r| {
            json!({"actor": r["actor"]["id"], "role": r["role"],
                "startedOn": r["startedOn"]["value"], "endedOn": r["endedOn"]["value"],
                "note": r["note"], "visibility": r["visibility"]})
        })
        .collect();
    let places = list("locations")
        .iter()
        .map(|p| json!({"location": p["location"]["id"], "precision": p["precision"]}))
        .collect();
    (roles, places)
}

/// Runs the fixture program; the registry then holds the values the arguments take.
pub async fn write(w: &mut Writer<'_>) {
    use Class::{Archived, Missing, Public, Purged, Restricted};
    let demo = demo_ids(w).await;
    let bambas = demo.cases["las-bambas"].clone();
    let toromocho = demo.cases["toromocho"].clone();
    let chinchero = demo.cases["chinchero-airport"].clone();
    let gender = demo.cases["gender-curriculum"].clone();
    let place = |code: &str| demo.places[code].clone();
    let mmg = demo.mmg.clone();
    let url = |path: &str| json!({"url": format!("https://example.org/{path}")});
    let event = |title: &str, date: &str| json!({"kind": "PROTEST", "title": format!("{MARK} {title}"), "date": date});
    let link = |news: &str, case: &str, extra: Value| {
        input(
            json!({"newsItem": news, "case": case, "updateKind": "DEVELOPMENT",
                "note": format!("{MARK} note")}),
            extra,
        )
    };

    // Phase 1: public writes, the same in both databases. Two departments and a district
    // get shapes (the SVG map shades departments; a site gets the district it is in).
    for (code, shape) in [
        ("03", square(-73.9, -14.9, -72.15, -13.1)),
        ("08", square(-72.15, -14.4, -70.3, -12.5)),
        ("030506", square(-72.45, -14.35, -72.16, -13.95)),
    ] {
        let args = json!({"id": place(code), "input": {"geometry": shape}});
        w.public("updateLocation", "a public place gets a shape", args)
            .await;
    }
    let public_news = id(&w
        .public(
            "createNewsItem",
            "a public news item",
            json!({"input": {"title": "Corridor blockade resumes", "date": "2026-02-10",
                "summary": "Communities block the mining corridor again.",
                "url": "https://example.org/public-news", "publisher": "Example Daily",
                "language": "en"}}),
        )
        .await);
    let mention = id(&w
        .public(
            "createNewsItem",
            "a public news item naming places and cases",
            json!({"input": {"title": "Farmers near Challhuahuacho and Urubamba",
                "date": "2026-01-20", "language": "en",
                "summary": "Talk of copper mining, the Hillside pit, the Free camp quarry, \
                    Lakeside dredging and the Valley defence campaign."}}),
        )
        .await);
    let review_news = link_states::public_news(w).await;
    let public_link = w
        .public(
            "linkNewsItem",
            "a public link reporting a status and an event",
            json!({"input": {"newsItem": public_news, "case": bambas,
                "updateKind": "STATUS_CHANGE", "reportedStatus": "ACTIVE",
                "reportedPhase": "CRISIS", "note": "Blockade reported.",
                "event": {"kind": "BLOCKADE", "title": "Corridor blocked", "date": "2026-02-09"}}}),
        )
        .await;
    w.keep_link(&public_link, Public, "public link");
    let suggestion = w
        .public(
            "linkNewsItem",
            "a public suggestion reporting a status",
            json!({"input": {"newsItem": public_news, "case": toromocho,
                "updateKind": "DEVELOPMENT", "reportedStatus": "LATENT", "confirmed": false}}),
        )
        .await;
    let args = json!({"id": id(&suggestion)});
    w.public("confirmLink", "a public suggestion confirmed", args)
        .await;
    let args = json!({"input": {"case": gender, "status": "LATENT", "date": "2026-01",
        "source": url("gender")}});
    w.public("recordStatusChange", "a public status change", args)
        .await;
    let args = json!({"input": {"case": demo.cases["forced-sterilisations"], "kind": "HEARING",
        "title": "Hearing on reparations", "date": "2026-01-15", "sources": [url("hearing")]}});
    w.public("recordEvent", "a public event", args).await;
    let args = json!({"input": {"case": toromocho, "relatedCase": bambas, "kind": "RELATED_TO"}});
    let relation = w.public("relateCases", "a public relation", args).await;
    w.keep(
        Names::Record("CaseRelation".into()),
        relation,
        Public,
        "public relation",
    );
    let district_only = id(&w
        .public(
            "createCase",
            "a public case to be placed on a restricted district",
            json!({"input": {"slug": "district-only-case", "kind": "OTHER",
                "title": "Water board dispute", "status": "ACTIVE", "statusSince": "2025-03",
                "topics": ["water"]}}),
        )
        .await);

    // Phase 2a: hidden places, actors and news items (second database only).
    let site = |code: &str, parent: Option<String>, at: (f64, f64), visibility: &str| {
        json!({"input": {"code": code, "name": format!("{MARK} {code} camp"), "level": "SITE",
            "parent": parent, "latitude": at.0, "longitude": at.1, "visibility": visibility}})
    };
    let secret_site = id(&w
        .secret(
            Editor,
            "createLocation",
            "a restricted site under a public province",
            site(
                "SECRET-SITE",
                Some(place("0305")),
                SECRET_SITE,
                "RESTRICTED",
            ),
        )
        .await);
    let free_site = id(&w
        .secret(
            Editor,
            "createLocation",
            "a restricted site without a parent, inside a public district's shape",
            site("SECRET-FREE", None, FREE_SITE, "RESTRICTED"),
        )
        .await);
    let secret_district = id(&w
        .secret(
            Editor,
            "createLocation",
            "a restricted district under a public province",
            json!({"input": {"code": "081399", "name": format!("{MARK} district"),
                "level": "DISTRICT", "parent": place("0813"), "latitude": SECRET_DISTRICT.0,
                "longitude": SECRET_DISTRICT.1, "visibility": "RESTRICTED"}}),
        )
        .await);
    let later_site = id(&w
        .secret(
            Editor,
            "createLocation",
            "a public site, restricted once a public case is placed on it",
            site("LATER-SITE", Some(place("2104")), LATER_SITE, "PUBLIC"),
        )
        .await);
    let defender = id(&w
        .secret(
            Editor,
            "createActor",
            "a restricted actor",
            json!({"input": {"slug": "secret-defender", "name": format!("{MARK} defender"),
                "kind": "PERSON", "description": format!("{MARK} at risk"),
                "aliases": [format!("{MARK} alias")], "visibility": "RESTRICTED"}}),
        )
        .await);
    let leader = id(&w
        .secret(
            Editor,
            "createActor",
            "a public actor, restricted once it has roles",
            json!({"input": {"slug": "exposed-leader", "name": format!("{MARK} leader"),
                "kind": "PERSON", "aliases": [format!("{MARK} nickname")]}}),
        )
        .await);
    let news = |title: &str, date: &str, visibility: &str, publisher: &str, summary: &str| {
        json!({"input": {"title": format!("{MARK} {title}"), "date": date,
            "summary": format!("{MARK} {summary}"), "body": format!("{MARK} body"),
            "url": format!("https://example.org/{}", title.replace(' ', "-")),
            "publisher": publisher, "language": "es", "visibility": visibility}})
    };
    let secret_news = id(&w
        .secret(
            Editor,
            "createNewsItem",
            "a restricted news item",
            news(
                "report",
                "2026-03-01",
                "RESTRICTED",
                "SECRET press",
                "Cerro de Pasco, Las Malvinas fire and Santa Ana prosecutions",
            ),
        )
        .await);
    let later_news = id(&w
        .secret(
            Editor,
            "createNewsItem",
            "a public news item, restricted once linked",
            news(
                "later report",
                "2026-04-01",
                "PUBLIC",
                "Later Press",
                "talks",
            ),
        )
        .await);
    let archived_news = id(&w
        .secret(
            Editor,
            "createNewsItem",
            "a public news item, archived once linked",
            news(
                "archived report",
                "2026-05-01",
                "PUBLIC",
                "Archive Press",
                "truce",
            ),
        )
        .await);
    let purged_news = id(&w
        .secret(
            Editor,
            "createNewsItem",
            "a public news item, purged once linked",
            news(
                "purged report",
                "2026-05-15",
                "PUBLIC",
                "Purge Press",
                "strike",
            ),
        )
        .await);
    w.secret(
        Editor,
        "importNewsItems",
        "a restricted news item pushed by a CMS",
        json!({"items": [{"title": format!("{MARK} wire"), "date": "2026-03-05",
            "summary": format!("{MARK} pushed"), "url": "https://example.org/wire",
            "publisher": "SECRET wire", "visibility": "RESTRICTED"}]}),
    )
    .await;
    let imported = w
        .with_secrets
        .data_as(
            Some(&w.with_secrets.viewer),
            r#"{ newsItems(filter: {publisher: "SECRET wire"}) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    w.keep_id(
        "NewsItem",
        &imported,
        "/newsItems/nodes/0/id",
        Restricted,
        "imported restricted news item",
    );

    // Phase 2b: public records whose writes name hidden ones, in both databases (the
    // public-only write leaves the hidden parts out).
    let mine = |slug: &str, title: &str, extra: Value| {
        input(
            json!({"slug": slug, "kind": "MINE", "title": title, "status": "ACTIVE",
                "statusSince": "2025-06", "topics": ["mining"]}),
            extra,
        )
    };
    let on = |location: &str, precision: &str| json!({"locations": [{"location": location, "precision": precision}]});
    let site_only = id(&w
        .both(
            "createCase",
            "a public case placed only on a restricted site",
            mine("site-only-case", "Hillside pit", json!({})),
            mine("site-only-case", "Hillside pit", on(&secret_site, "EXACT")),
        )
        .await);
    w.both(
        "createCase",
        "a public case placed only on a restricted site without a parent",
        mine("free-site-case", "Free camp quarry", json!({})),
        mine(
            "free-site-case",
            "Free camp quarry",
            on(&free_site, "EXACT"),
        ),
    )
    .await;
    w.both(
        "createCase",
        "a public case placed only on a site restricted afterwards",
        mine("later-site-case", "Lakeside dredging", json!({})),
        mine(
            "later-site-case",
            "Lakeside dredging",
            on(&later_site, "EXACT"),
        ),
    )
    .await;
    let campaign = json!({"slug": "roles-case", "kind": "CAMPAIGN",
        "title": "Valley defence campaign", "status": "ACTIVE", "statusSince": "2025-09",
        "topics": ["water"], "details": {"aim": "Protect the valley"}});
    w.both(
        "createCase",
        "a public case with roles of restricted actors and a status sourced by a restricted \
         news item",
        input(
            campaign.clone(),
            json!({"actors": [{"actor": mmg, "role": "SUPPORTER"}]}),
        ),
        input(
            campaign,
            json!({"actors": [{"actor": mmg, "role": "SUPPORTER"},
                {"actor": defender, "role": "ORGANISER"}, {"actor": leader, "role": "ORGANISER"}],
                "statusSource": {"newsItem": secret_news}}),
        ),
    )
    .await;
    w.both(
        "updateCase",
        "a public case placed only on a restricted district",
        json!({"id": district_only, "input": {"summary": "Placed.", "locations": []}}),
        json!({"id": district_only, "input": {"summary": "Placed.",
            "locations": [{"location": secret_district, "precision": "DISTRICT"}]}}),
    )
    .await;
    let (roles, places) = bambas_sets(w.with_secrets).await;
    let mut hidden_roles = roles.clone();
    hidden_roles.push(json!({"actor": defender, "role": "OPPONENT"}));
    hidden_roles.push(json!({"actor": mmg, "role": "DEFENDANT",
        "note": format!("{MARK} role"), "visibility": "RESTRICTED"}));
    let mut hidden_places = places.clone();
    hidden_places.push(json!({"location": secret_site, "precision": "EXACT"}));
    w.both(
        "updateCase",
        "a public case given a restricted actor's role, a restricted role and a restricted \
         site",
        json!({"id": bambas, "input": {"actors": roles, "locations": places}}),
        json!({"id": bambas, "input": {"actors": hidden_roles, "locations": hidden_places}}),
    )
    .await;
    let talks = json!({"case": bambas, "kind": "DIALOGUE", "title": "Talks at the district hall",
        "date": "2026-01-20", "injuries": 1});
    w.both(
        "recordEvent",
        "a public event at a restricted site, with a restricted actor and a restricted source",
        input(
            talks.clone(),
            json!({"sources": [url("public-source")], "actors": [mmg]}),
        ),
        input(
            talks,
            json!({"sources": [url("public-source"), {"newsItem": secret_news}],
                "actors": [mmg, defender], "location": secret_site}),
        ),
    )
    .await;

    // Phase 2c: hidden cases, links, events, status changes and relations (second
    // database only).
    let secret_case = w
        .secret(
            Editor,
            "createCase",
            "a restricted case",
            json!({"input": {"slug": "secret-mine", "kind": "MINE",
                "title": format!("{MARK} mine"), "summary": format!("{MARK} summary"),
                "status": "ACTIVE", "statusSince": "2016", "startedOn": "2016",
                "topics": ["mining", "hidden-topic"],
                "externalIds": [{"scheme": "OTHER", "value": format!("{MARK}-1")}],
                "actors": [{"actor": mmg, "role": "OPERATOR"}],
                "locations": [{"location": place("030506"), "precision": "DISTRICT"}],
                "visibility": "RESTRICTED"}}),
        )
        .await;
    w.keep_id(
        "StatusChange",
        &secret_case,
        "/statusHistory/0/id",
        Restricted,
        "status change of a restricted case",
    );
    let secret_case = id(&secret_case);
    // Suggestions read cases, roles, topics and places: with hidden ones in the database
    // they must come out as without them. (Before any hidden link, so that the links
    // both databases make get the same ids.)
    let suggested = w
        .public(
            "suggestLinks",
            "suggestions for a public news item, with hidden roles, places and a hidden case \
             in the database",
            json!({"newsItem": mention, "threshold": 0.1}),
        )
        .await;
    assert!(
        suggested.as_array().is_some_and(|s| !s.is_empty()),
        "the public news item names public cases: {suggested}"
    );
    if let Some(path) = w.paths.last_mut() {
        path.hidden = true;
    }
    let later_case = id(&w
        .secret(
            Editor,
            "createCase",
            "a public case, restricted once linked, related and given roles",
            json!({"input": {"slug": "later-hidden-case", "kind": "OTHER",
                "title": format!("{MARK} later case"), "status": "ACTIVE",
                "statusSince": "2025-01", "topics": ["mining"],
                "actors": [{"actor": mmg, "role": "AUTHORITY"}],
                "locations": [{"location": place("03"), "precision": "REGION"}]}}),
        )
        .await);
    let archived_case = id(&w
        .secret(
            Editor,
            "createCase",
            "a public case, archived",
            json!({"input": {"slug": "archived-case", "kind": "MINE",
                "title": format!("{MARK} archived case"), "status": "ACTIVE",
                "statusSince": "2025-01", "topics": ["mining"],
                "actors": [{"actor": mmg, "role": "OPERATOR"}],
                "locations": [{"location": place("08"), "precision": "REGION"}]}}),
        )
        .await);
    let hidden_link = w
        .secret(
            Editor,
            "linkNewsItem",
            "a public link to a restricted news item, reporting a status and an event",
            link(
                &secret_news,
                &bambas,
                json!({"updateKind": "STATUS_CHANGE", "reportedStatus": "RESOLVED",
                    "reportedPhase": "DIALOGUE", "event": event("protest reported", "2026-02-28")}),
            ),
        )
        .await;
    w.keep_link(&hidden_link, Restricted, "link to a restricted news item");
    let hidden_link = w
        .secret(
            Editor,
            "linkNewsItem",
            "a restricted link reporting a status and an event (of default visibility)",
            link(
                &demo.spare_news,
                &bambas,
                json!({"visibility": "RESTRICTED", "reportedStatus": "WITHDRAWN",
                    "event": event("march", "2026-03-10")}),
            ),
        )
        .await;
    w.keep_link(&hidden_link, Restricted, "restricted link");
    let hidden_link = w
        .secret(
            Editor,
            "linkNewsItem",
            "a link reporting a status and an event, its news item restricted afterwards",
            link(
                &later_news,
                &toromocho,
                json!({"updateKind": "STATUS_CHANGE", "reportedStatus": "RESOLVED",
                    "event": event("later protest", "2026-03-30")}),
            ),
        )
        .await;
    w.keep_link(
        &hidden_link,
        Restricted,
        "link of a news item restricted afterwards",
    );
    let restricted_later = w
        .secret(
            Editor,
            "linkNewsItem",
            "a public link reporting a status and an event, restricted afterwards",
            link(
                &public_news,
                &chinchero,
                json!({"reportedStatus": "LATENT", "event": event("airport protest", "2026-02-08")}),
            ),
        )
        .await;
    w.keep_link(&restricted_later, Restricted, "link restricted afterwards");
    let suggestion = w
        .secret(
            Editor,
            "linkNewsItem",
            "a suggested link of a restricted news item reporting a status",
            link(
                &secret_news,
                &toromocho,
                json!({"reportedStatus": "WITHDRAWN", "confirmed": false}),
            ),
        )
        .await;
    let confirmed = w
        .secret(
            Editor,
            "confirmLink",
            "a suggestion of a restricted news item confirmed",
            json!({"id": id(&suggestion)}),
        )
        .await;
    w.keep_link(
        &confirmed,
        Restricted,
        "confirmed link of a restricted news item",
    );
    let rejected = w
        .secret(
            Editor,
            "linkNewsItem",
            "a link of a restricted news item reporting a status, to be rejected",
            link(&secret_news, &gender, json!({"reportedStatus": "RESOLVED"})),
        )
        .await;
    let rejected = w
        .secret(
            Editor,
            "rejectLink",
            "a link of a restricted news item rejected",
            json!({"id": id(&rejected)}),
        )
        .await;
    w.keep_link(
        &rejected,
        Restricted,
        "rejected link of a restricted news item",
    );
    let suggestions = w
        .secret(
            Editor,
            "suggestLinks",
            "suggestions for a restricted news item",
            json!({"newsItem": secret_news, "threshold": 0.2}),
        )
        .await;
    assert!(
        suggestions.as_array().is_some_and(|s| !s.is_empty()),
        "the restricted news item names public cases: {suggestions}"
    );
    w.keep_link(
        &suggestions[0],
        Restricted,
        "suggestion for a restricted news item",
    );
    let sterilisations = demo.cases["forced-sterilisations"].clone();
    link_states::write(w, &review_news, &gender, &sterilisations).await;
    let change = w
        .secret(
            Editor,
            "recordStatusChange",
            "a restricted status change of a public case",
            json!({"input": {"case": bambas, "status": "WITHDRAWN", "phase": "CONCLUDED",
                "date": "2026-03-15", "source": {"newsItem": secret_news},
                "note": format!("{MARK} change"), "visibility": "RESTRICTED"}}),
        )
        .await;
    w.keep_id(
        "StatusChange",
        &change,
        "/id",
        Restricted,
        "restricted status change",
    );
    let arrest = w
        .secret(
            Editor,
            "recordEvent",
            "a restricted event of a public case at a restricted site",
            json!({"input": {"case": bambas, "kind": "ARREST", "title": format!("{MARK} arrest"),
                "date": "2026-03-20", "location": secret_site, "actors": [defender, mmg],
                "deaths": 2, "injuries": 3,
                "sources": [{"newsItem": secret_news}], "visibility": "RESTRICTED"}}),
        )
        .await;
    w.keep_id("Event", &arrest, "/id", Restricted, "restricted event");
    let protest = w
        .secret(
            Editor,
            "recordEvent",
            "a public event of a restricted case",
            json!({"input": {"case": secret_case, "kind": "PROTEST",
                "title": format!("{MARK} protest"), "date": "2016-03", "deaths": 4,
                "sources": [url("s")]}}),
        )
        .await;
    w.keep_id(
        "Event",
        &protest,
        "/id",
        Restricted,
        "event of a restricted case",
    );
    let relation = w
        .secret(
            Editor,
            "relateCases",
            "a relation of a restricted case to a public one",
            json!({"input": {"case": secret_case, "relatedCase": bambas, "kind": "RELATED_TO",
                "note": format!("{MARK} relation")}}),
        )
        .await;
    w.keep(
        Names::Record("CaseRelation".into()),
        relation,
        Restricted,
        "relation to a restricted case",
    );
    let removed = w
        .secret(
            Editor,
            "relateCases",
            "a relation of a restricted case, to be removed",
            json!({"input": {"case": secret_case, "relatedCase": toromocho, "kind": "PART_OF"}}),
        )
        .await;
    w.secret(
        Editor,
        "unrelateCases",
        "a relation of a restricted case removed",
        json!({"id": removed}),
    )
    .await;
    w.keep(
        Names::Record("CaseRelation".into()),
        removed,
        Purged,
        "removed relation",
    );
    let archived_link = w
        .secret(
            Editor,
            "linkNewsItem",
            "a link reporting a status and an event, its news item archived afterwards",
            link(
                &archived_news,
                &bambas,
                json!({"reportedStatus": "LATENT", "event": event("archived protest", "2026-05-01")}),
            ),
        )
        .await;
    w.keep_link(&archived_link, Archived, "link of an archived news item");
    w.secret(
        Editor,
        "archive",
        "a linked news item archived",
        json!({"id": archived_news}),
    )
    .await;
    let strike = id(&w
        .secret(
            Editor,
            "recordEvent",
            "a public event of a public case, archived afterwards",
            json!({"input": {"case": bambas, "kind": "STRIKE",
                "title": format!("{MARK} archived strike"), "date": "2026-06-01",
                "sources": [url("strike")]}}),
        )
        .await);
    w.secret(
        Editor,
        "archive",
        "the latest event of a public case archived",
        json!({"id": strike}),
    )
    .await;
    w.keep(
        Names::Record("Event".into()),
        strike,
        Archived,
        "archived event",
    );
    w.secret(
        Editor,
        "archive",
        "a public case archived",
        json!({"id": archived_case}),
    )
    .await;
    let purged_link = w
        .secret(
            Editor,
            "linkNewsItem",
            "a link reporting a status and an event, its news item purged afterwards",
            link(
                &purged_news,
                &toromocho,
                json!({"reportedStatus": "ACTIVE", "event": event("purged strike", "2026-05-15")}),
            ),
        )
        .await;
    w.keep_link(&purged_link, Purged, "link of a purged news item");
    let args = json!({"id": purged_news});
    w.secret(
        Editor,
        "archive",
        "a linked news item archived, to be purged",
        args.clone(),
    )
    .await;
    w.secret(Admin, "purge", "a linked news item purged", args)
        .await;
    let args = json!({"id": defender});
    w.secret(
        Editor,
        "archive",
        "a restricted actor archived, to be restored",
        args.clone(),
    )
    .await;
    w.secret(Admin, "restore", "a restricted actor restored", args)
        .await;
    let later_case_link = w
        .secret(
            Editor,
            "linkNewsItem",
            "a link reporting a status and an event to a case restricted afterwards",
            link(
                &public_news,
                &later_case,
                json!({"reportedStatus": "LATENT", "event": event("later case protest", "2026-02-11")}),
            ),
        )
        .await;
    w.keep_link(
        &later_case_link,
        Restricted,
        "link to a case restricted afterwards",
    );
    let later_relation = w
        .secret(
            Editor,
            "relateCases",
            "a relation of a public case to a case restricted afterwards",
            json!({"input": {"case": bambas, "relatedCase": later_case, "kind": "RELATED_TO",
                "note": format!("{MARK} later relation")}}),
        )
        .await;
    w.keep(
        Names::Record("CaseRelation".into()),
        later_relation,
        Restricted,
        "relation to a case restricted afterwards",
    );

    // Phase 2d: restrictions applied after the records were linked, placed and given roles.
    let restrict = json!({"visibility": "RESTRICTED"});
    for (mutation, what, record) in [
        (
            "updateNewsItem",
            "a linked news item restricted",
            later_news.clone(),
        ),
        (
            "updateLink",
            "a link that reported a status and an event restricted",
            id(&restricted_later),
        ),
        (
            "updateActor",
            "an actor with roles in public cases restricted",
            leader.clone(),
        ),
        (
            "updateLocation",
            "a site a public case is placed on restricted",
            later_site.clone(),
        ),
        (
            "updateCase",
            "a linked, related case with roles restricted",
            later_case.clone(),
        ),
    ] {
        let args = json!({"id": record, "input": restrict});
        w.secret(Editor, mutation, what, args).await;
    }

    // The other values the arguments are given.
    let cotabambas = place("0305");
    let challhuahuacho = place("030506");
    for (kind, value, class, label) in [
        ("Case", &secret_case, Restricted, "restricted case"),
        (
            "Case",
            &later_case,
            Restricted,
            "case restricted after linking",
        ),
        ("Case", &archived_case, Archived, "archived case"),
        ("Case", &bambas, Public, "las-bambas"),
        ("Case", &site_only, Public, "case on a restricted site"),
        (
            "Case",
            &district_only,
            Public,
            "case on a restricted district",
        ),
        ("Actor", &defender, Restricted, "restricted actor"),
        (
            "Actor",
            &leader,
            Restricted,
            "actor restricted after its roles",
        ),
        ("Actor", &mmg, Public, "mmg"),
        ("Location", &secret_site, Restricted, "restricted site"),
        (
            "Location",
            &free_site,
            Restricted,
            "restricted site without parent",
        ),
        (
            "Location",
            &secret_district,
            Restricted,
            "restricted district",
        ),
        (
            "Location",
            &later_site,
            Restricted,
            "site restricted after placing",
        ),
        ("Location", &cotabambas, Public, "Cotabambas"),
        ("Location", &challhuahuacho, Public, "Challhuahuacho"),
        ("NewsItem", &secret_news, Restricted, "restricted news item"),
        (
            "NewsItem",
            &later_news,
            Restricted,
            "news item restricted after linking",
        ),
        ("NewsItem", &archived_news, Archived, "archived news item"),
        ("NewsItem", &purged_news, Purged, "purged news item"),
        ("NewsItem", &public_news, Public, "public news item"),
    ] {
        w.keep(Names::Record(kind.into()), value.as_str(), class, label);
    }
    for kind in [
        "Case",
        "Actor",
        "Location",
        "NewsItem",
        "NewsLink",
        "Event",
        "StatusChange",
        "CaseRelation",
    ] {
        let label = format!("missing {kind}");
        w.keep(
            Names::Record(kind.into()),
            global(kind, 999_999),
            Missing,
            &label,
        );
    }
    let texts: [(Names, &[(&str, Class)]); 7] = [
        (
            Names::CaseSlug,
            &[
                ("secret-mine", Restricted),
                ("later-hidden-case", Restricted),
                ("archived-case", Archived),
                ("las-bambas", Public),
                ("site-only-case", Public),
                ("no-such-case", Missing),
            ],
        ),
        (
            Names::ActorSlug,
            &[
                ("secret-defender", Restricted),
                ("exposed-leader", Restricted),
                ("mmg", Public),
                ("no-such-actor", Missing),
            ],
        ),
        (
            Names::LocationCode,
            &[
                ("SECRET-SITE", Restricted),
                ("SECRET-FREE", Restricted),
                ("081399", Restricted),
                ("LATER-SITE", Restricted),
                ("0305", Public),
                ("03", Public),
                ("NO-SUCH-PLACE", Missing),
            ],
        ),
        (
            Names::Topic,
            &[
                ("hidden-topic", Restricted),
                ("mining", Public),
                ("water", Public),
                ("no-such-topic", Missing),
            ],
        ),
        (
            Names::Publisher,
            &[
                ("SECRET press", Restricted),
                ("SECRET wire", Restricted),
                ("Later Press", Restricted),
                ("Archive Press", Archived),
                ("Example Daily", Public),
                ("Nobody Press", Missing),
            ],
        ),
        (
            Names::Name,
            &[
                ("SECRET", Restricted),
                ("secret alias", Restricted),
                ("SECRET nickname", Restricted),
                ("cotabambas", Public),
                ("mmg", Public),
                ("zzqxw", Missing),
            ],
        ),
        (
            Names::SearchText,
            &[
                ("SECRET", Restricted),
                ("secr*", Restricted),
                ("nickname", Restricted),
                ("bambas", Public),
                ("hillside", Public),
                ("zzqxw", Missing),
            ],
        ),
    ];
    for (names, values) in texts {
        for (text, class) in values {
            w.keep(names.clone(), *text, *class, text);
        }
    }
    values::keys_points_and_rows(w, &secret_case, &bambas);
}
