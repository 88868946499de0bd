//! The HTTP surface: `POST /graphql`, `GET /graphql` (queries; GraphiQL for browsers),
//! `GET /healthz`. GraphQL over HTTP as the graphql-http specification describes it:
//! responses in `application/graphql-response+json` (or `application/json` when that is
//! what the client accepts), mutations refused over GET, request errors as 4xx.

use crate::config::HttpConfig;
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use chasqui_schema::auth::Caller;
use chasqui_schema::store::{Author, Store};
use chasqui_schema::{
    ChasquiSchema, assign_error_codes, build_schema, loaders::loaders, parse_failure,
};
use governor::Quota;
use governor::clock::{Clock, DefaultClock};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tower_http::timeout::TimeoutLayer;

type Limiter = governor::DefaultKeyedRateLimiter<String>;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub schema: ChasquiSchema,
    pub store: Store,
    pub config: Arc<HttpConfig>,
    limiter: Option<Arc<Limiter>>,
    documents: Arc<DocumentCache>,
}

/// Parsed query documents, by their text. Clients send the same few documents again and
/// again with other variables (a page's query for each case), and parsing one costs more
/// than copying its parsed form; validation still runs on every request, with that
/// request's variables. Only documents that parse are kept, and only so many: when full,
/// the cache starts again empty, so a client sending ever-new documents costs no more
/// than parsing them did.
#[derive(Default)]
struct DocumentCache {
    parsed: Mutex<HashMap<String, ExecutableDocument>>,
}

impl DocumentCache {
    const MAX_DOCUMENTS: usize = 256;
    /// Longer documents are parsed every time (a client would not send them often).
    const MAX_QUERY_BYTES: usize = 16 * 1024;

    fn get(&self, query: &str) -> Option<ExecutableDocument> {
        self.parsed.lock().ok()?.get(query).cloned()
    }

    fn keep(&self, query: &str, document: &ExecutableDocument) {
        if query.len() > Self::MAX_QUERY_BYTES {
            return;
        }
        if let Ok(mut parsed) = self.parsed.lock() {
            if parsed.len() >= Self::MAX_DOCUMENTS {
                parsed.clear();
            }
            parsed.insert(query.to_owned(), document.clone());
        }
    }
}

/// Serves the router on a bound listener until `shutdown` completes; connections carry
/// their peer address (for per-IP rate limits).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// The router, with its limits and timeouts.
pub fn router(db: DatabaseConnection, config: HttpConfig) -> Router {
    let store = Store::new(db);
    crate::maps::warm_spatial_index(&store);
    let schema = build_schema(Some(store.clone()), config.limits);
    let limiter = config.rate_limit_per_minute.and_then(|per_minute| {
        let per_minute = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new(config.rate_burst).unwrap_or(NonZeroU32::MIN);
        Some(Arc::new(Limiter::keyed(
            Quota::per_minute(per_minute).allow_burst(burst),
        )))
    });
    let state = AppState {
        schema,
        store,
        config: Arc::new(config),
        limiter,
        documents: Arc::default(),
    };
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/graphql") }))
        .route(
            "/graphql",
            get(graphql_get)
                .post(graphql_post)
                .route_layer(middleware::from_fn_with_state(state.clone(), identify)),
        )
        .route("/healthz", get(healthz))
        .route(
            "/geojson/cases",
            get(crate::maps::cases_geojson)
                .route_layer(middleware::from_fn_with_state(state.clone(), identify)),
        )
        .route(
            "/map.svg",
            get(crate::maps::map_svg)
                .route_layer(middleware::from_fn_with_state(state.clone(), identify)),
        )
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        // A backstop for whole requests (a client that never finishes its body, say): the
        // GraphQL execution has its own, earlier timeout that answers with a coded error.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout + std::time::Duration::from_secs(5),
        ))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    match crate::db::ping(&state.store.db).await {
        Ok(()) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The media type to answer with, from the Accept header; `None` when the client accepts
/// neither GraphQL media type.
fn response_media_type(headers: &HeaderMap) -> Option<&'static str> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(GRAPHQL_RESPONSE);
    };
    let mut json = false;
    for item in accept.split(',') {
        let media = item
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            GRAPHQL_RESPONSE | "application/*" | "*/*" => return Some(GRAPHQL_RESPONSE),
            JSON => json = true,
            _ => {}
        }
    }
    json.then_some(JSON)
}

fn request_error(status: StatusCode, media: &'static str, message: &str) -> Response {
    coded_error(status, media, "BAD_REQUEST", message)
}

/// An HTTP-level refusal in the shape of a GraphQL response, with an `extensions.code`.
fn coded_error(status: StatusCode, media: &'static str, code: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{"message": message, "extensions": {"code": code}}]
    });
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    response
}

/// Resolves the bearer token into the request's [`Caller`] (401 for a token that is not
/// valid: a wrong token is refused, never read as anonymous), then applies the rate
/// limit of that token, or of the peer address for anonymous callers (429).
async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let media = response_media_type(request.headers()).unwrap_or(GRAPHQL_RESPONSE);
    let unauthenticated = |message: &str| {
        let mut response = coded_error(StatusCode::UNAUTHORIZED, media, "UNAUTHENTICATED", message);
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    };
    let caller = match request.headers().get(header::AUTHORIZATION) {
        None => Caller::anonymous(),
        Some(value) => {
            let secret = value.to_str().ok().and_then(|v| {
                let (scheme, secret) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
            });
            let Some(secret) = secret else {
                return unauthenticated("the Authorization header must be `Bearer <token>`");
            };
            match state.store.token_by_secret(secret).await {
                Ok(Some(token)) => Caller {
                    role: Some(token.role),
                    author: Author {
                        token_id: Some(token.id),
                        name: token.name,
                    },
                },
                Ok(None) => return unauthenticated("the token is not valid: unknown or revoked"),
                Err(err) => {
                    tracing::error!(error = %err, "token lookup failed");
                    return coded_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        media,
                        "INTERNAL_SERVER_ERROR",
                        "internal error",
                    );
                }
            }
        }
    };
    if let Some(limiter) = &state.limiter {
        let key = match caller.author.token_id {
            Some(id) => format!("token:{id}"),
            None => {
                let peer = request
                    .extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| c.0.ip());
                format!("ip:{}", peer.map(|ip| ip.to_string()).unwrap_or_default())
            }
        };
        if let Err(not_until) = limiter.check_key(&key) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let message = format!("rate limit reached; retry in {seconds} s");
            let mut response = coded_error(
                StatusCode::TOO_MANY_REQUESTS,
                media,
                "RATE_LIMITED",
                &message,
            );
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

async fn graphql_get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let query = uri.query().unwrap_or_default();
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html && !query.contains("query=") {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("chasqui")
                .finish(),
        )
        .into_response();
    }
    let media = response_media_type(&headers).unwrap_or(GRAPHQL_RESPONSE);
    match async_graphql::http::parse_query_string(query) {
        Ok(request) => execute(&state, caller, request, media, Method::GET).await,
        Err(err) => request_error(
            StatusCode::BAD_REQUEST,
            media,
            &format!("malformed GraphQL request: {err}"),
        ),
    }
}

async fn graphql_post(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(media) = response_media_type(&headers) else {
        return request_error(
            StatusCode::NOT_ACCEPTABLE,
            JSON,
            "accept application/graphql-response+json or application/json",
        );
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    if content_type.as_deref() != Some(JSON) {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "send the request as application/json",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = state.config.max_body_bytes;
            let message = format!("the request body is larger than the limit of {limit} bytes");
            return coded_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                media,
                "PAYLOAD_TOO_LARGE",
                &message,
            );
        }
        Err(rejection) => return request_error(rejection.status(), media, &rejection.body_text()),
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                &format!("malformed GraphQL request: {err}"),
            );
        }
    };
    execute(&state, caller, request, media, Method::POST).await
}

async fn execute(
    state: &AppState,
    caller: Caller,
    mut request: async_graphql::Request,
    media: &'static str,
    method: Method,
) -> Response {
    let started = Instant::now();
    let operation = request.operation_name.clone().unwrap_or_default();
    if request.query.trim().is_empty() {
        return request_error(StatusCode::BAD_REQUEST, media, "the request has no query");
    }
    match state.documents.get(&request.query) {
        Some(document) => request.set_parsed_query(document),
        None => {
            let query = request.query.clone();
            match request.parsed_query() {
                Ok(document) => state.documents.keep(&query, document),
                Err(error) => {
                    let response = parse_failure(error.clone());
                    return respond(response, media, &operation, method, started);
                }
            }
        }
    }
    if method == Method::GET
        && let Ok(document) = request.parsed_query()
    {
        let is_mutation = document.operations.iter().any(|(name, op)| {
            let selected = match (&request_operation(&operation), name) {
                (Some(wanted), Some(name)) => name.as_str() == wanted,
                _ => true,
            };
            selected && op.node.ty == OperationType::Mutation
        });
        if is_mutation {
            let mut response = request_error(
                StatusCode::METHOD_NOT_ALLOWED,
                media,
                "mutations must be sent with POST",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
    }
    request = request
        .data(loaders(
            state.store.clone(),
            caller.access(),
            state.config.batch_delay,
        ))
        .data(caller);
    // Outside tokio's co-operative budget: a budget-forced yield in the middle of a level
    // would let a DataLoader batch go out before every resolver of the level joined it,
    // turning one statement into several.
    let execution = tokio::task::unconstrained(state.schema.execute(request));
    let Ok(mut response) = tokio::time::timeout(state.config.request_timeout, execution).await
    else {
        tracing::warn!(operation = %operation, "graphql request timed out");
        let message = format!(
            "the request took longer than {} ms",
            state.config.request_timeout.as_millis()
        );
        return coded_error(
            StatusCode::SERVICE_UNAVAILABLE,
            media,
            "REQUEST_TIMEOUT",
            &message,
        );
    };
    assign_error_codes(&mut response);
    respond(response, media, &operation, method, started)
}

/// The HTTP response for a GraphQL response whose errors carry their codes, and the
/// request's log line.
fn respond(
    response: async_graphql::Response,
    media: &'static str,
    operation: &str,
    method: Method,
    started: Instant,
) -> Response {
    let errors = response.errors.len();
    // A request error (the document does not parse or validate) means execution never
    // started: the body has no `data` entry, and clients of the GraphQL response media type
    // get 400. Field errors during execution (even one that nulls `data`) are 200.
    let failed_request = response.errors.iter().any(is_request_error);
    let status = if media == GRAPHQL_RESPONSE && failed_request {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    tracing::info!(
        operation = %operation,
        method = %method,
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        errors,
        outcome = if errors == 0 { "ok" } else if failed_request { "rejected" } else { "partial" },
        "graphql request"
    );
    let body = if failed_request {
        serde_json::to_vec(&serde_json::json!({ "errors": response.errors }))
    } else {
        serde_json::to_vec(&response)
    };
    let body = match body {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "could not serialise a response");
            return request_error(StatusCode::INTERNAL_SERVER_ERROR, media, "internal error");
        }
    };
    let mut http = Response::new(Body::from(body));
    *http.status_mut() = status;
    http.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    http
}

fn is_request_error(error: &async_graphql::ServerError) -> bool {
    let code = error.extensions.as_ref().and_then(|e| e.get("code"));
    matches!(
        code,
        Some(async_graphql::Value::String(code))
            if code == "GRAPHQL_PARSE_FAILED" || code == "GRAPHQL_VALIDATION_FAILED"
    )
}

fn request_operation(name: &str) -> Option<String> {
    (!name.is_empty()).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_document_cache_keeps_documents_and_starts_again_when_full() {
        let cache = DocumentCache::default();
        assert!(cache.get("{ a }").is_none());
        cache.keep("{ a }", &parsed("{ a }"));
        assert!(cache.get("{ a }").is_some());
        assert!(cache.get("{ b }").is_none());
        for i in 0..DocumentCache::MAX_DOCUMENTS {
            let query = format!("{{ f{i} }}");
            cache.keep(&query, &parsed(&query));
        }
        assert!(
            cache.get("{ a }").is_none(),
            "a full cache starts again empty"
        );
        assert!(cache.get("{ f255 }").is_some());
        let long = format!("{{ {} }}", "a ".repeat(DocumentCache::MAX_QUERY_BYTES));
        cache.keep(&long, &parsed(&long));
        assert!(cache.get(&long).is_none(), "long documents are not kept");
    }
}
