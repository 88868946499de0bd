//! Tables for analysts: CSV downloads (`text/csv; charset=utf-8`, RFC 4180, a header
//! row, UTF-8) of the lists analysts take into R, pandas or a spreadsheet, with the same
//! filter as the `cases` query. Each route takes `filter=<CaseFilter as JSON>` (the GraphQL
//! input, `statusAsOf` included; a bad one is a 400 naming its field, `csv/filter.rs`)
//! and the caller's token as `/graphql` does: rows the caller may not see never appear.
//!
//! - `GET /csv/cases`: one row per matching case, in slug order. Columns: `slug`,
//!   `title`, `kind`, `status`, `phase` (the current ones), `conflict_type`, `region`,
//!   `province`, `district` (the names of the departments, provinces and districts the
//!   case lies in, each list sorted and joined by "; "), `operators` (the names of the
//!   actors with role OPERATOR, joined by "; "), `started_on`, `last_activity_on` (partial
//!   dates as the API writes them: `2017`, `2017-02`, `2017-02-10`), `visibility`.
//! - `GET /csv/status-changes`: one row per status change of the matching cases, by case
//!   slug then in the history's order (undated changes first, then by date). Columns:
//!   `case` (its slug), `status`, `phase`, `date` (empty when undated), `precision`
//!   (`DAY`, `MONTH`, `YEAR`; empty when undated), `source_title` (the news item's),
//!   `source_url` (the news item's, or the change's own source URL), `note`.
//! - `GET /csv/report?period=2024-03[&through=2024-05]`: the status report of the period
//!   (`Query.statusReport`), one row per group. Columns: `section` (`by_status`,
//!   `active_by_phase`, `active_by_conflict_type`, `active_by_region`, `movements`),
//!   `key` (the status, phase, conflict type, department name or movement kind; empty for
//!   "no phase" / "no type"), `count`, `cases` (the slugs, joined by "; ", in the report's
//!   order: title order for groups, date order for movements).
//!
//! - `GET /csv/events?filter=<EventFilter as JSON>`: one row per matching event, latest
//!   first (as `Query.events`). Columns: `case` (its slug), `date`, `end_date` (partial
//!   dates), `kind`, `title`, `location` (the place's code, or its name when it has none),
//!   `deaths`, `injuries`, `visibility`.
//!
//! Empty values are empty fields. The lists are streamed: a page of cases at a time is
//! read (a keyset page), written and handed to the connection, so memory stays flat
//! whatever the register's size. A table is not one snapshot: a write landing while a
//! long table is written may show in the pages after it. A failure after the first rows
//! were sent aborts the response (the client sees an incomplete body, never a short
//! table that looks whole).

// A refusal is a whole HTTP response, built at most once per request.
#![allow(clippy::result_large_err)]

mod filter;
mod rows;

use crate::http::AppState;
use crate::maps::{api_refusal, bad};
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use chasqui_entities::PartialDate;
use chasqui_schema::auth::Caller;
use chasqui_store::{Access, StoreError};
use tokio::sync::mpsc;

/// Cases read and written at a time.
const PAGE: u64 = 200;

/// The parameters of a request, each at most once; anything else is refused.
fn parameters<'a>(
    given: &'a [(String, String)],
    known: &[&str],
) -> Result<Vec<Option<&'a str>>, Response> {
    let mut values = vec![None; known.len()];
    for (name, value) in given {
        let Some(at) = known.iter().position(|k| k == name) else {
            let message = format!(
                "unknown parameter `{name}`; this table takes {}",
                known.join(", ")
            );
            return Err(bad(name, message));
        };
        if values[at].replace(value.as_str()).is_some() {
            return Err(bad(name, format!("`{name}` is given twice")));
        }
    }
    Ok(values)
}

/// Where a table's chunks go: the response body, through a channel of a few chunks, so
/// that a slow client holds back the reads instead of filling memory.
#[derive(Clone)]
pub(crate) struct Sink {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

/// Why writing a table stopped early.
pub(crate) enum Stop {
    /// The client went away: nothing more to do.
    Gone,
    Failed(String),
}

impl From<StoreError> for Stop {
    fn from(err: StoreError) -> Self {
        Stop::Failed(err.to_string())
    }
}

impl Sink {
    /// Sends rows written with [`rows::writer`].
    pub(crate) async fn send(&self, writer: ::csv::Writer<Vec<u8>>) -> Result<(), Stop> {
        let bytes = writer
            .into_inner()
            .map_err(|e| Stop::Failed(e.to_string()))?;
        if bytes.is_empty() {
            return Ok(());
        }
        self.tx
            .send(Ok(Bytes::from(bytes)))
            .await
            .map_err(|_| Stop::Gone)
    }
}

/// A streamed CSV answer: `write` runs on a task of its own, holding `running` (the
/// request's price) until it is done.
fn streamed<F, W>(
    name: &'static str,
    running: tokio::sync::OwnedSemaphorePermit,
    write: W,
) -> Response
where
    W: FnOnce(Sink) -> F,
    F: Future<Output = Result<(), Stop>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(4);
    let sink = Sink { tx };
    let writing = write(sink.clone());
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        match writing.await {
            Ok(()) => tracing::info!(
                table = name,
                ms = started.elapsed().as_millis() as u64,
                "csv table written"
            ),
            Err(Stop::Gone) => tracing::info!(table = name, "csv client went away"),
            Err(Stop::Failed(err)) => {
                tracing::error!(table = name, error = %err, "csv table failed");
                // An error in the body aborts the response: no short table looks whole.
                let _ = sink.tx.send(Err(std::io::Error::other(err))).await;
            }
        }
        drop(running);
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = match name {
        "cases" => "attachment; filename=\"cases.csv\"",
        "status-changes" => "attachment; filename=\"status-changes.csv\"",
        _ => "attachment; filename=\"report.csv\"",
    };
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(disposition),
    );
    response
}

/// The tables of cases: one row per case (`rows::cases`) or per status change
/// (`rows::status_changes`).
#[derive(Clone, Copy)]
enum CaseTable {
    Cases,
    StatusChanges,
}

/// `GET /csv/cases`.
pub async fn cases(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(given): Query<Vec<(String, String)>>,
) -> Response {
    case_table(state, caller, given, CaseTable::Cases).await
}

/// `GET /csv/status-changes`.
pub async fn status_changes(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(given): Query<Vec<(String, String)>>,
) -> Response {
    case_table(state, caller, given, CaseTable::StatusChanges).await
}

/// A table of the cases of `filter=`: the filter parsed and priced, then the rows streamed.
async fn case_table(
    state: AppState,
    caller: Caller,
    given: Vec<(String, String)>,
    table: CaseTable,
) -> Response {
    let access = caller.access();
    let [filter] = match parameters(&given, &["filter"]) {
        Ok(values) => [values[0]],
        Err(response) => return response,
    };
    let resolved = match filter::case_filter(&state, access, filter).await {
        Ok(resolved) => resolved,
        Err(response) => return response,
    };
    let store = state.store.clone();
    let name = match table {
        CaseTable::Cases => "cases",
        CaseTable::StatusChanges => "status-changes",
    };
    streamed(name, resolved.running, move |sink| async move {
        match table {
            CaseTable::Cases => rows::cases(&store, access, &resolved.filter, &sink).await,
            CaseTable::StatusChanges => {
                rows::status_changes(&store, access, &resolved.filter, &sink).await
            }
        }
    })
}

fn partial_date(field: &str, text: &str) -> Result<PartialDate, Response> {
    PartialDate::parse(text.trim()).map_err(|e| {
        bad(
            field,
            format!("`{text}` is not a date (YYYY, YYYY-MM or YYYY-MM-DD): {e}"),
        )
    })
}

/// `GET /csv/report`.
pub async fn report(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(given): Query<Vec<(String, String)>>,
) -> Response {
    let access: Access = caller.access();
    let values = match parameters(&given, &["period", "through", "filter"]) {
        Ok(values) => values,
        Err(response) => return response,
    };
    let Some(period) = values[0] else {
        return bad(
            "period",
            "`period` is required (YYYY, YYYY-MM or YYYY-MM-DD)",
        );
    };
    let period = match partial_date("period", period) {
        Ok(date) => date,
        Err(response) => return response,
    };
    let through = match values[1].map(|t| partial_date("through", t)).transpose() {
        Ok(date) => date,
        Err(response) => return response,
    };
    let from = period.first_day();
    let to = through.map_or(period.last_day(), |t| t.last_day());
    if to < from {
        return bad(
            "through",
            format!("{to} is before the period's start {from}"),
        );
    }
    let resolved = match filter::case_filter(&state, access, values[2]).await {
        Ok(resolved) => resolved,
        Err(response) => return response,
    };
    // The report is computed whole (as `Query.statusReport` is) before its first row.
    let report = match state
        .store
        .status_report(access, &resolved.filter, from, to)
        .await
    {
        Ok(report) => report,
        Err(err) => return api_refusal(err.into()),
    };
    let store = state.store.clone();
    streamed("report", resolved.running, |sink| async move {
        rows::report(&store, access, &report, &sink).await
    })
}

/// `GET /csv/events`.
pub async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(given): Query<Vec<(String, String)>>,
) -> Response {
    let access = caller.access();
    let [filter] = match parameters(&given, &["filter"]) {
        Ok(values) => [values[0]],
        Err(response) => return response,
    };
    let (filter, running) = match filter::event_filter(&state, access, filter).await {
        Ok(resolved) => resolved,
        Err(response) => return response,
    };
    let store = state.store.clone();
    streamed("events", running, move |sink| async move {
        rows::events(&store, access, &filter, &sink).await
    })
}
