//! Full-text search over cases, actors and news items: ranked hits with a highlighted
//! snippet. The store finds and ranks (with the caller's access); this module loads the
//! records of a page in one batch per kind and cuts the snippets.

use super::actor::Actor;
use super::case::Case;
use super::common::{access, loaders, page_limits, store};
use super::news::NewsItem;
use super::node::Node;
use crate::error::{ApiError, ApiResult};
use crate::loaders::{ActorById, CaseById, NewsBodyById, NewsItemById};
use crate::pagination::decode_cursor;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Enum, Object};
use chasqui_domain::search::{Highlight, SearchQuery, highlight};
use chasqui_store::{SearchCursor, SearchEntity, SearchRow};

/// The kinds of record `search` looks through.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchType {
    /// Cases of every kind: title, slug, summary and topics.
    Case,
    /// Actors: name, aliases and description.
    Actor,
    /// News items: title, summary, body and publisher.
    NewsItem,
}

impl From<SearchType> for SearchEntity {
    fn from(t: SearchType) -> Self {
        match t {
            SearchType::Case => SearchEntity::Case,
            SearchType::Actor => SearchEntity::Actor,
            SearchType::NewsItem => SearchEntity::NewsItem,
        }
    }
}

/// The longest query accepted, in characters.
const MAX_QUERY_CHARS: usize = 500;
/// Words in a snippet.
const SNIPPET_WORDS: usize = 30;

/// A record that matches a search.
pub struct SearchHit {
    node: Node,
    kind: SearchType,
    score: f64,
    found: Option<Highlight>,
    title_terms: Vec<String>,
}

#[Object]
impl SearchHit {
    /// The record: a `Case` (of any kind), an `Actor` or a `NewsItem`.
    async fn node(&self) -> &Node {
        &self.node
    }

    #[graphql(name = "type")]
    async fn kind(&self) -> SearchType {
        self.kind
    }

    /// How well the record matches, from its own text alone (matches in the title or name
    /// count more). Higher is better; compare scores within one search only.
    async fn score(&self) -> f64 {
        self.score
    }

    /// An extract around the matches, HTML-escaped, each match in `<mark>…</mark>`, with
    /// `…` where the text was cut. From the summary or description when the match is
    /// there, else from the title, name or body; null when no shown text holds a match
    /// (a case found by its topics, say).
    async fn snippet(&self) -> Option<&str> {
        self.found.as_ref().map(|h| h.snippet.as_str())
    }

    /// The words of the record that matched, as written ("Alarcón" for a search for
    /// "alarcon").
    async fn matched_terms(&self) -> Vec<String> {
        let mut terms = self.title_terms.clone();
        for term in self.found.iter().flat_map(|h| &h.matched) {
            if !terms.contains(term) {
                terms.push(term.clone());
            }
        }
        terms
    }
}

pub type SearchConnection = Connection<String, SearchHit, EmptyFields, EmptyFields>;

/// The snippet from the first text that matches, and the words matched in the title.
fn hit_text(
    query: &SearchQuery,
    title: &str,
    texts: &[Option<&str>],
) -> (Option<Highlight>, Vec<String>) {
    let title_hit = highlight(title, query, usize::MAX);
    let found = texts
        .iter()
        .flatten()
        .find_map(|text| highlight(text, query, SNIPPET_WORDS))
        .or_else(|| highlight(title, query, SNIPPET_WORDS));
    (found, title_hit.map(|h| h.matched).unwrap_or_default())
}

const CURSOR_TAG: &str = "search";

fn encode_cursor(row: &SearchRow) -> String {
    let cursor = row.cursor();
    crate::pagination::encode_cursor(CURSOR_TAG, &[&cursor.score, &cursor.doc_id])
}

fn read_cursor(after: Option<&str>) -> ApiResult<Option<SearchCursor>> {
    decode_cursor(after, CURSOR_TAG, 2, |parts| {
        let score: f64 = parts[0].parse().ok().filter(|s: &f64| s.is_finite())?;
        let doc_id: i64 = parts[1].parse().ok()?;
        Some(SearchCursor { score, doc_id })
    })
}

/// `Query.search`.
pub async fn search(
    ctx: &Context<'_>,
    query: String,
    types: Option<Vec<SearchType>>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<SearchConnection> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_input(
            "query",
            format!("longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    let parsed =
        SearchQuery::parse(&query).map_err(|e| ApiError::bad_input("query", e.to_string()))?;
    let limit = page_limits(ctx).size(first)?;
    let after = read_cursor(after.as_deref())?;
    let entities: Vec<SearchEntity> = types
        .unwrap_or_default()
        .into_iter()
        .map(SearchEntity::from)
        .collect();
    let page = store(ctx)?
        .search(access(ctx), &parsed, &entities, after, limit)
        .await?;

    // The records of the page, one batch per kind.
    let ids_of = |wanted: SearchEntity| -> Vec<i64> {
        page.rows
            .iter()
            .filter(|r| r.entity == wanted)
            .map(|r| r.entity_id)
            .collect()
    };
    let loader = loaders(ctx)?;
    let cases = loader
        .load_many(ids_of(SearchEntity::Case).into_iter().map(CaseById))
        .await?;
    let actors = loader
        .load_many(ids_of(SearchEntity::Actor).into_iter().map(ActorById))
        .await?;
    let news = loader
        .load_many(ids_of(SearchEntity::NewsItem).into_iter().map(NewsItemById))
        .await?;

    // News items whose summary holds no match may hold it in the body, which lists
    // leave out: fetch those bodies in one batch.
    let body_ids: Vec<NewsBodyById> = news
        .iter()
        .filter(|(_, m)| {
            m.summary
                .as_deref()
                .is_none_or(|s| highlight(s, &parsed, 1).is_none())
        })
        .map(|(key, _)| NewsBodyById(key.0))
        .collect();
    let bodies = loader.load_many(body_ids).await?;

    let mut connection = Connection::new(after.is_some(), page.has_next);
    for row in &page.rows {
        let id = row.entity_id;
        let hit = match row.entity {
            SearchEntity::Case => cases.get(&CaseById(id)).map(|m| {
                let (found, title_terms) = hit_text(&parsed, &m.title, &[m.summary.as_deref()]);
                let node = Node::from(Case::from_model(m.clone()));
                (node, SearchType::Case, found, title_terms)
            }),
            SearchEntity::Actor => actors.get(&ActorById(id)).map(|m| {
                let (found, title_terms) = hit_text(&parsed, &m.name, &[m.description.as_deref()]);
                (
                    Node::Actor(Actor::new(m.clone())),
                    SearchType::Actor,
                    found,
                    title_terms,
                )
            }),
            SearchEntity::NewsItem => news.get(&NewsItemById(id)).map(|m| {
                let body = bodies.get(&NewsBodyById(id)).map(String::as_str);
                let (found, title_terms) =
                    hit_text(&parsed, &m.title, &[m.summary.as_deref(), body]);
                let node = Node::NewsItem(NewsItem { model: m.clone() });
                (node, SearchType::NewsItem, found, title_terms)
            }),
        };
        // A record purged between the search and this load is left out of the page.
        let Some((node, kind, found, title_terms)) = hit else {
            continue;
        };
        connection.edges.push(Edge::new(
            encode_cursor(row),
            SearchHit {
                node,
                kind,
                score: row.score,
                found,
                title_terms,
            },
        ));
    }
    Ok(connection)
}
