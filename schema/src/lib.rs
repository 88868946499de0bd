//! chasqui's GraphQL layer: the query and mutation roots, the types they return, loaders,
//! pagination, global ids, errors and the price of a request. Reads and writes go through
//! `chasqui-store`; the pure rules come from `chasqui-domain`.
//!
//! [`build_schema`] is pure: the server, the `chasqui schema` command and the test that
//! keeps `schema.graphql` in step all call it.

pub mod admission;
pub mod auth;
pub mod error;
pub mod ids;
pub mod loaders;
pub mod mutation;
pub mod pagination;
pub mod query;
pub mod scalars;
pub mod types;

use async_graphql::{EmptySubscription, Response, Schema, ServerError};

pub use pagination::PageLimits;

pub type ChasquiSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Limits a query must stay within, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    pub max_depth: usize,
    /// The highest price of a request ([`admission`]).
    pub max_complexity: usize,
    pub page: PageLimits,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 20_000,
            page: PageLimits::default(),
        }
    }
}

/// Builds the schema. `store` is optional so that the SDL can be printed without a database.
/// The depth limit is async-graphql's; the price of a request is checked before it runs,
/// by [`admission::Admission`] (async-graphql's own complexity limit is not used: it does
/// not price fields selected on interfaces).
pub fn build_schema(store: Option<chasqui_store::Store>, limits: QueryLimits) -> ChasquiSchema {
    let mut builder = Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .limit_depth(limits.max_depth)
        .data(limits.page);
    if let Some(store) = store {
        builder = builder.data(store);
    }
    builder.finish()
}

/// The SDL, as checked in at `schema/schema.graphql`.
pub fn sdl() -> String {
    build_schema(None, QueryLimits::default()).sdl()
}

/// Gives every error of a response an `extensions.code`; errors from resolvers carry
/// theirs already. An error without a path never reached a field: the document failed
/// validation (depth and complexity included) or named an operation it does not hold, so
/// it is `GRAPHQL_VALIDATION_FAILED`. An error with a path happened while a field was
/// resolved, an argument the scalar rejects for instance: `BAD_USER_INPUT`.
///
/// This is a pass over the finished response rather than an async-graphql extension: with
/// any extension installed, async-graphql wraps every field and every list item of every
/// response in the extension chain, a cost paid on the hot path for errors that are rare.
/// Parse errors are coded where the server parses the document ([`parse_failure`]).
pub fn assign_error_codes(response: &mut Response) {
    for error in &mut response.errors {
        let code = if error.path.is_empty() {
            "GRAPHQL_VALIDATION_FAILED"
        } else {
            "BAD_USER_INPUT"
        };
        set_code_if_missing(error, code);
    }
}

/// The response to a document that does not parse: `GRAPHQL_PARSE_FAILED`.
pub fn parse_failure(mut error: ServerError) -> Response {
    set_code_if_missing(&mut error, "GRAPHQL_PARSE_FAILED");
    Response::from_errors(vec![error])
}

fn set_code_if_missing(error: &mut ServerError, code: &str) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if !has_code {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{PathSegment, Pos};

    fn code(error: &ServerError) -> Option<String> {
        match error.extensions.as_ref()?.get("code")? {
            async_graphql::Value::String(code) => Some(code.clone()),
            _ => None,
        }
    }

    #[test]
    fn errors_get_a_code_by_where_they_happened() {
        let mut at_field = ServerError::new("not a date", Some(Pos { line: 1, column: 3 }));
        at_field.path = vec![PathSegment::Field("case".into())];
        let mut coded = ServerError::new("no such case", None);
        coded.path = vec![PathSegment::Field("case".into())];
        coded
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", "NOT_FOUND");
        let mut response = Response::from_errors(vec![
            ServerError::new("unknown field", None),
            at_field,
            coded,
        ]);
        assign_error_codes(&mut response);
        let codes: Vec<_> = response.errors.iter().map(code).collect();
        assert_eq!(
            codes,
            [
                Some("GRAPHQL_VALIDATION_FAILED".to_owned()),
                Some("BAD_USER_INPUT".to_owned()),
                Some("NOT_FOUND".to_owned()),
            ]
        );
        let failed = parse_failure(ServerError::new("unexpected end", None));
        assert_eq!(
            code(&failed.errors[0]).as_deref(),
            Some("GRAPHQL_PARSE_FAILED")
        );
    }
}
