//! The HTTP surface: `POST /graphql`, `GET /graphql` (queries; GraphiQL for browsers, its
//! files under `/graphiql/`), `GET /healthz`, the maps (`maps.rs`), the analysts' CSV
//! tables under `/csv/` (`csv.rs`), and CORS on the API paths (`cors.rs`). GraphQL over
//! HTTP as the graphql-http specification describes it:
//! responses in `application/graphql-response+json` (or `application/json` when that is
//! what the client accepts), mutations refused over GET, request errors as 4xx.

use crate::config::{ConnectionLimits, HttpConfig};
use crate::cors::CorsPolicy;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use chasqui_schema::admission::Admission;
use chasqui_schema::auth::Caller;
use chasqui_schema::{
    ChasquiSchema, assign_error_codes, build_schema, loaders::loaders, parse_failure,
};
use chasqui_store::{Author, Store};
use governor::Quota;
use governor::clock::{Clock, DefaultClock};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::TimeoutLayer;

type Limiter = governor::DefaultKeyedRateLimiter<String>;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub schema: ChasquiSchema,
    /// What a request must pass before it runs: argument hygiene and its price.
    pub admission: Arc<Admission>,
    pub store: Store,
    pub config: Arc<HttpConfig>,
    limiter: Option<Arc<Limiter>>,
    documents: Arc<DocumentCache>,
    /// The price of the requests running, in permits (`--max-cost-in-flight`).
    in_flight: Arc<Semaphore>,
}

impl AppState {
    /// Holds a request's price while it runs and its answer is written, so that the
    /// requests running at once cost at most `--max-cost-in-flight` together: a request
    /// waits for others to finish, until `deadline` (`None` then). A request dearer than
    /// the whole budget waits to run alone.
    pub async fn hold_cost(
        &self,
        price: u64,
        deadline: tokio::time::Instant,
    ) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let permits = price.clamp(1, self.config.max_cost_in_flight as u64);
        let permits = u32::try_from(permits).unwrap_or(u32::MAX);
        let acquire = self.in_flight.clone().acquire_many_owned(permits);
        tokio::time::timeout_at(deadline, acquire).await.ok()?.ok()
    }
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

/// Serves the router on a bound listener until `shutdown` completes, with the default
/// [`ConnectionLimits`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, router, ConnectionLimits::default(), shutdown).await
}

/// Serves the router over HTTP/1.1 until `shutdown` completes, then lets the requests in
/// flight finish. Each request carries its peer address (for per-IP rate limits).
///
/// A connection must send a request's complete headers within `header_timeout` of opening
/// or of the end of its previous answer (hyper starts its header timer as soon as a
/// connection waits for a request, so the same timeout closes idle keep-alive
/// connections); the whole exchange after the headers is bounded by the router's
/// timeout. At most `max_connections` are open at once: one more gets a coded 503 and is
/// closed at once, so that idle sockets cannot use up the process's file descriptors.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(
        limits.max_connections.min(Semaphore::MAX_PERMITS),
    ));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was
                    // accepted: wait a little instead of spinning.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            refuse_connection(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                router.clone().oneshot(request.map(Body::new))
            });
        let connection =
            graceful.watch(builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, %peer, "connection closed");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Answers a connection past the limit with a coded 503 and closes it. The answer is
/// written with one non-blocking system call, without a task (a new socket's empty send
/// buffer holds it): a flood of connections costs no task and no file descriptor beyond
/// this moment.
fn refuse_connection(stream: tokio::net::TcpStream) {
    const BODY: &str = r#"{"errors":[{"message":"too many open connections; try again shortly","extensions":{"code":"TOO_MANY_CONNECTIONS"}}]}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    // Out of tokio: its readiness of a socket it has just registered is not known yet.
    if let Ok(mut socket) = stream.into_std() {
        let _ = std::io::Write::write(&mut socket, answer.as_bytes());
    }
    tracing::warn!("connection refused: too many open connections");
}

/// The router, with its limits and timeouts, and no cross-origin access.
pub fn router(db: DatabaseConnection, config: HttpConfig) -> Router {
    router_with_cors(db, config, CorsPolicy::default())
}

/// The router, with its limits and timeouts, letting the origins of `cors` call the API
/// from a browser.
pub fn router_with_cors(db: DatabaseConnection, config: HttpConfig, cors: CorsPolicy) -> Router {
    let store = Store::new(db);
    crate::maps::warm_spatial_index(&store);
    let schema = build_schema(Some(store.clone()), config.limits);
    let admission = Arc::new(Admission::new(&schema.sdl(), config.limits));
    let limiter = config.rate_limit_per_minute.and_then(|per_minute| {
        let per_minute = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new(config.rate_burst).unwrap_or(NonZeroU32::MIN);
        Some(Arc::new(Limiter::keyed(
            Quota::per_minute(per_minute).allow_burst(burst),
        )))
    });
    let state = AppState {
        schema,
        admission,
        store,
        config: Arc::new(config),
        limiter,
        documents: Arc::default(),
        in_flight: Arc::new(Semaphore::new(
            config.max_cost_in_flight.min(Semaphore::MAX_PERMITS),
        )),
    };
    let router = Router::new()
        .route("/", get(|| async { Redirect::temporary("/graphql") }))
        .route(
            "/graphql",
            get(graphql_get)
                .post(graphql_post)
                .route_layer(middleware::from_fn_with_state(state.clone(), identify)),
        )
        .route("/healthz", get(healthz))
        .route("/graphiql/{file}", get(crate::graphiql::asset))
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
        .route(
            "/csv/cases",
            get(crate::csv::cases)
                .route_layer(middleware::from_fn_with_state(state.clone(), identify)),
        )
        .route(
            "/csv/status-changes",
            get(crate::csv::status_changes)
                .route_layer(middleware::from_fn_with_state(state.clone(), identify)),
        )
        .route(
            "/csv/report",
            get(crate::csv::report)
                .route_layer(middleware::from_fn_with_state(state.clone(), identify)),
        )
        .route(
            "/csv/events",
            get(crate::csv::events)
                .route_layer(middleware::from_fn_with_state(state.clone(), identify)),
        )
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        // A backstop for whole requests (a client that never finishes its body, say): the
        // GraphQL execution has its own, earlier timeout that answers with a coded error.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout + std::time::Duration::from_secs(5),
        ))
        .with_state(state);
    if !cors.is_enabled() {
        return router;
    }
    // Outermost: refusals and timeouts carry the grant too, so that a page can read them.
    router.layer(middleware::from_fn_with_state(
        Arc::new(cors),
        crate::cors::cors,
    ))
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
/// limit of that token, or of the peer address for anonymous callers (429). A wrong token
/// also counts against its address's rate, so guessing tokens is rate limited; two
/// `Authorization` headers are refused (400): which one a proxy or a cache would read is
/// anyone's guess. Every answer says how shared caches may keep it ([`cache_headers`]).
async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let media = response_media_type(request.headers()).unwrap_or(GRAPHQL_RESPONSE);
    let with_token = request.headers().contains_key(header::AUTHORIZATION);
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let mut response = match caller_of(&state, request.headers(), peer, media).await {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(refusal) => refusal,
    };
    cache_headers(&mut response, with_token);
    response
}

/// What the answer to a request may be kept as: an answer depends on the caller, so it
/// varies by `Authorization`, and an answer to a caller with a token is theirs alone.
fn cache_headers(response: &mut Response, with_token: bool) {
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("authorization"));
    if with_token {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
}

/// The request's caller, or the answer refusing it.
async fn caller_of(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<std::net::IpAddr>,
    media: &'static str,
) -> Result<Caller, Response> {
    let address_key = format!("ip:{}", peer.map(|ip| ip.to_string()).unwrap_or_default());
    let rate_limited = |key: &str| -> Option<Response> {
        let limiter = state.limiter.as_ref()?;
        let not_until = limiter.check_key(&key.to_owned()).err()?;
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
        Some(response)
    };
    let unauthenticated = |message: &str| {
        if let Some(limited) = rate_limited(&address_key) {
            return limited;
        }
        let mut response = coded_error(StatusCode::UNAUTHORIZED, media, "UNAUTHENTICATED", message);
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    };
    let mut authorizations = headers.get_all(header::AUTHORIZATION).iter();
    let caller = match (authorizations.next(), authorizations.next()) {
        (None, _) => Caller::anonymous(),
        (Some(_), Some(_)) => {
            return Err(request_error(
                StatusCode::BAD_REQUEST,
                media,
                "send one Authorization header, not several",
            ));
        }
        (Some(value), None) => {
            let secret = value.to_str().ok().and_then(|v| {
                let (scheme, secret) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
            });
            let Some(secret) = secret else {
                return Err(unauthenticated(
                    "the Authorization header must be `Bearer <token>`",
                ));
            };
            match state.store.token_by_secret(secret).await {
                Ok(Some(token)) => Caller {
                    role: Some(token.role),
                    author: Author {
                        token_id: Some(token.id),
                        name: token.name,
                        source_id: None,
                    },
                },
                Ok(None) => {
                    return Err(unauthenticated(
                        "the token is not valid: unknown or revoked",
                    ));
                }
                Err(err) => {
                    tracing::error!(error = %err, "token lookup failed");
                    return Err(coded_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        media,
                        "INTERNAL_SERVER_ERROR",
                        "internal error",
                    ));
                }
            }
        }
    };
    let key = match caller.author.token_id {
        Some(id) => format!("token:{id}"),
        None => address_key.clone(),
    };
    if let Some(limited) = rate_limited(&key) {
        return Err(limited);
    }
    if let Some(limiter) = &state.limiter
        && limiter.len() > 100_000
    {
        limiter.retain_recent();
    }
    Ok(caller)
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
        return crate::graphiql::page();
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
    let deadline = tokio::time::Instant::from_std(started) + state.config.request_timeout;
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
                    return respond(state, response, true, media, &operation, method, started)
                        .await;
                }
            }
        }
    }
    let variables = std::mem::take(&mut request.variables);
    let name = request.operation_name.clone();
    let mut price = 0;
    if let Ok(document) = request.parsed_query() {
        if method == Method::GET {
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
        match state.admission.admit(document, name.as_deref(), &variables) {
            Ok(cost) => price = cost,
            Err(refusal) => {
                let response =
                    async_graphql::Response::from_errors(vec![refusal.into_server_error()]);
                return respond(state, response, true, media, &operation, method, started).await;
            }
        }
    }
    request.variables = variables;
    let Some(_running) = state.hold_cost(price, deadline).await else {
        return timed_out(state, media, &operation);
    };
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
    let Ok(mut response) = tokio::time::timeout_at(deadline, execution).await else {
        return timed_out(state, media, &operation);
    };
    assign_error_codes(&mut response);
    let refused = response.errors.iter().any(is_request_error);
    respond(state, response, refused, media, &operation, method, started).await
}

fn timed_out(state: &AppState, media: &'static str, operation: &str) -> Response {
    tracing::warn!(operation = %operation, "graphql request timed out");
    let message = format!(
        "the request took longer than {} ms",
        state.config.request_timeout.as_millis()
    );
    coded_error(
        StatusCode::SERVICE_UNAVAILABLE,
        media,
        "REQUEST_TIMEOUT",
        &message,
    )
}

/// The HTTP response for a GraphQL response whose errors carry their codes, and the
/// request's log line. `failed_request`: execution never started (the document does not
/// parse or validate, or its arguments or price are refused); the body then has no `data`
/// entry, and clients of the GraphQL response media type get 400. Field errors during
/// execution (even one that nulls `data`) are 200.
///
/// The body is refused with `RESPONSE_TOO_LARGE` once it passes `--max-response-bytes`:
/// serialising stops there, so neither its time nor its memory grows with what a request
/// asked for. An answer of up to [`INLINE_BYTES`] (almost all of them) is written on the
/// spot; a larger one is written again on a blocking thread, within the request's
/// deadline (`--request-timeout-ms` from its start).
async fn respond(
    state: &AppState,
    response: async_graphql::Response,
    failed_request: bool,
    media: &'static str,
    operation: &str,
    method: Method,
    started: Instant,
) -> Response {
    let errors = response.errors.len();
    let status = if media == GRAPHQL_RESPONSE && failed_request {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let limit = state.config.max_response_bytes;
    let written = match serialise(&response, failed_request, limit.min(INLINE_BYTES)) {
        Err(err) if err.is_io() && limit > INLINE_BYTES => {
            let deadline = tokio::time::Instant::from_std(started) + state.config.request_timeout;
            let blocking = tokio::task::spawn_blocking(move || {
                let written = serialise(&response, failed_request, limit);
                // Dropping a large response is work too: done here, off the runtime.
                drop(response);
                written
            });
            match tokio::time::timeout_at(deadline, blocking).await {
                Err(_) => return timed_out(state, media, operation),
                Ok(Err(err)) => {
                    tracing::error!(error = %err, "serialising a response failed");
                    return request_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        media,
                        "internal error",
                    );
                }
                Ok(Ok(written)) => written,
            }
        }
        written => written,
    };
    let body = match written {
        Ok(body) => body,
        Err(err) if err.is_io() => {
            tracing::warn!(operation = %operation, limit, "response too large");
            let message = format!(
                "the answer would be larger than {limit} bytes; ask for fewer records or fields"
            );
            return coded_error(
                StatusCode::BAD_REQUEST,
                media,
                "RESPONSE_TOO_LARGE",
                &message,
            );
        }
        Err(err) => {
            tracing::error!(error = %err, "could not serialise a response");
            return request_error(StatusCode::INTERNAL_SERVER_ERROR, media, "internal error");
        }
    };
    tracing::info!(
        operation = %operation,
        method = %method,
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        errors,
        bytes = body.len(),
        outcome = if errors == 0 { "ok" } else if failed_request { "rejected" } else { "partial" },
        "graphql request"
    );
    let mut http = Response::new(Body::from(body));
    *http.status_mut() = status;
    http.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    http
}

/// Answers up to this size are written on the runtime's thread (a few hundred
/// microseconds at most); larger ones on a blocking thread.
const INLINE_BYTES: usize = 256 * 1024;

/// The response as JSON, at most `limit` bytes (an I/O error past it). A request error
/// has no `data` entry.
fn serialise(
    response: &async_graphql::Response,
    failed_request: bool,
    limit: usize,
) -> serde_json::Result<Vec<u8>> {
    let mut body = LimitedBuffer::new(limit);
    if failed_request {
        serde_json::to_writer(&mut body, &serde_json::json!({ "errors": response.errors }))?;
    } else {
        serde_json::to_writer(&mut body, response)?;
    }
    Ok(body.bytes)
}

/// A buffer that refuses to grow past a limit (the write fails, which stops serde_json).
struct LimitedBuffer {
    bytes: Vec<u8>,
    limit: usize,
}

impl LimitedBuffer {
    fn new(limit: usize) -> Self {
        Self {
            bytes: Vec::new(),
            limit,
        }
    }
}

impl std::io::Write for LimitedBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + data.len() > self.limit {
            return Err(std::io::Error::other("the response passes its size limit"));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
