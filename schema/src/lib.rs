//! chasqui's GraphQL layer and the store it reads and writes through.
//!
//! [`build_schema`] is pure: the server, the `chasqui schema` command and the test that
//! keeps `schema.graphql` in step all call it.

pub mod auth;
pub mod error;
pub mod ids;
pub mod loaders;
pub mod map_output;
pub mod mutation;
pub mod pagination;
pub mod query;
pub mod scalars;
pub mod search;
pub mod spatial;
pub mod store;
pub mod suggest;
pub mod types;
pub mod validate;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    EmptySubscription, Response, Schema, ServerError, ServerResult, ValidationResult, Variables,
};
use std::sync::Arc;

pub use pagination::PageLimits;

pub type ChasquiSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Limits a query must stay within, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub page: PageLimits,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 5_000,
            page: PageLimits::default(),
        }
    }
}

/// Builds the schema. `store` is optional so that the SDL can be printed without a database.
pub fn build_schema(store: Option<store::Store>, limits: QueryLimits) -> ChasquiSchema {
    let mut builder = Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .data(limits.page)
        .extension(ErrorCodes);
    if let Some(store) = store {
        builder = builder.data(store);
    }
    builder.finish()
}

/// The SDL, as checked in at `schema/schema.graphql`.
pub fn sdl() -> String {
    build_schema(None, QueryLimits::default()).sdl()
}

/// Gives every error an `extensions.code`: parse errors `GRAPHQL_PARSE_FAILED`, validation
/// errors `GRAPHQL_VALIDATION_FAILED`, input coercion errors `BAD_USER_INPUT`. Errors from
/// resolvers already carry theirs.
struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

fn with_code(mut error: ServerError, code: &str) -> ServerError {
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
    error
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| with_code(e, "GRAPHQL_VALIDATION_FAILED"))
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        response.errors = response
            .errors
            .into_iter()
            .map(|e| with_code(e, "BAD_USER_INPUT"))
            .collect();
        response
    }
}
