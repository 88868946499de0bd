//! Cross-origin requests (CORS) to the API paths: `/graphql`, `/geojson/…` and
//! `/map.svg`. The origins allowed come from `--cors-origins` (none by default, and then
//! nothing here runs). Two kinds of grant:
//!
//! - an origin listed by name may read every answer, with a token (`Authorization` is an
//!   allowed request header) and with credentials (`Access-Control-Allow-Credentials`);
//! - `*` lets any other origin read anonymous answers only: a request that carries
//!   `Authorization` gets no grant, a preflight that asks to send it is refused, and
//!   credentials are never granted.
//!
//! A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered
//! here, 204, without reaching the router: with the grant when the origin, the method
//! (GET or POST) and every requested header are allowed, without any
//! `Access-Control-Allow-*` header otherwise. Every answer on these paths carries
//! `Vary: Origin` (an answer to one origin must not be served from a cache to another).
//!
//! Ours rather than tower-http's `CorsLayer`: its allowed headers cannot depend on the
//! origin, and its preflight answers 200 to any `OPTIONS`.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// How long a browser may keep a preflight's answer, in seconds (Chromium keeps it at
/// most two hours).
const MAX_AGE_SECONDS: &str = "7200";
const ALLOWED_METHODS: &str = "GET, POST";
/// Request headers any allowed origin may send (beyond the CORS-safelisted ones).
const ANONYMOUS_HEADERS: [&str; 2] = ["accept", "content-type"];
/// The response headers a cross-origin page may read beyond the safelisted ones.
const EXPOSED_HEADERS: &str = "retry-after";

/// The origins allowed to call the API from a browser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorsPolicy {
    /// Origins allowed by name, as browsers write them (`https://example.org`).
    listed: Vec<String>,
    /// `*`: any origin, for anonymous requests.
    anyone: bool,
}

impl CorsPolicy {
    /// From a comma-separated list of origins (`scheme://host[:port]`) and `*`; an empty
    /// list allows none.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut policy = Self::default();
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            if item == "*" {
                policy.anyone = true;
                continue;
            }
            let origin = normalise_origin(item).ok_or_else(|| {
                format!("`{item}` is not an origin: write scheme://host[:port], or *")
            })?;
            if !policy.listed.contains(&origin) {
                policy.listed.push(origin);
            }
        }
        Ok(policy)
    }

    /// Whether any origin is allowed at all.
    pub fn is_enabled(&self) -> bool {
        self.anyone || !self.listed.is_empty()
    }

    fn grant(&self, origin: &str, with_token: bool) -> Option<Grant> {
        if self.listed.iter().any(|l| l == origin) {
            Some(Grant::Listed)
        } else if self.anyone && !with_token {
            Some(Grant::Anonymous)
        } else {
            None
        }
    }
}

/// `http://Host:80/` → `http://host:80`; `None` for anything but an http(s) origin.
fn normalise_origin(text: &str) -> Option<String> {
    let text = text.strip_suffix('/').unwrap_or(text).to_ascii_lowercase();
    let (scheme, authority) = text.split_once("://")?;
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b));
    (matches!(scheme, "http" | "https") && host_ok).then_some(text)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grant {
    /// The origin is listed by name: tokens and credentials allowed.
    Listed,
    /// Allowed by `*`, for anonymous requests.
    Anonymous,
}

/// Whether a path is one of the API's, to which CORS applies.
fn applies_to(path: &str) -> bool {
    path == "/graphql" || path == "/map.svg" || path.starts_with("/geojson/")
}

/// The middleware (installed by the router only when the policy allows some origin).
pub async fn cors(State(policy): State<Arc<CorsPolicy>>, request: Request, next: Next) -> Response {
    if !applies_to(request.uri().path()) {
        return next.run(request).await;
    }
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_owned);
    let Some(origin) = origin else {
        let mut response = next.run(request).await;
        vary(response.headers_mut(), "origin");
        return response;
    };
    if request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        return preflight(&policy, &origin, request.headers());
    }
    let with_token = request.headers().contains_key(header::AUTHORIZATION);
    let grant = policy.grant(&origin, with_token);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    vary(headers, "origin");
    if let Some(grant) = grant {
        allow_origin(headers, &origin, grant);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }
    response
}

fn preflight(policy: &CorsPolicy, origin: &str, request: &HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    vary(
        headers,
        "origin, access-control-request-method, access-control-request-headers",
    );
    let method_allowed = request
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .is_some_and(|m| m == "GET" || m == "POST");
    let requested: Vec<String> = request
        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    let asks_for_token = requested.iter().any(|h| h == "authorization");
    let Some(grant) = policy.grant(origin, asks_for_token) else {
        return response;
    };
    let allowed_headers = match grant {
        Grant::Listed => "accept, content-type, authorization",
        Grant::Anonymous => "accept, content-type",
    };
    let headers_allowed = requested.iter().all(|h| {
        ANONYMOUS_HEADERS.contains(&h.as_str()) || (grant == Grant::Listed && h == "authorization")
    });
    if !method_allowed || !headers_allowed {
        return response;
    }
    allow_origin(headers, origin, grant);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(allowed_headers),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(MAX_AGE_SECONDS),
    );
    response
}

fn allow_origin(headers: &mut HeaderMap, origin: &str, grant: Grant) {
    match grant {
        Grant::Listed => {
            if let Ok(value) = HeaderValue::from_str(origin) {
                headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    HeaderValue::from_static("true"),
                );
            }
        }
        Grant::Anonymous => {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
    }
}

fn vary(headers: &mut HeaderMap, names: &'static str) {
    headers.append(header::VARY, HeaderValue::from_static(names));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_parsed_and_normalised() {
        let policy =
            CorsPolicy::parse(" https://Example.org/, http://127.0.0.1:3000,*").unwrap_or_default();
        assert_eq!(
            policy.listed,
            ["https://example.org", "http://127.0.0.1:3000"]
        );
        assert!(policy.anyone);
        assert_eq!(CorsPolicy::parse(""), Ok(CorsPolicy::default()));
        assert!(!CorsPolicy::default().is_enabled());
        for bad in [
            "example.org",
            "ftp://example.org",
            "https://example.org/path",
            "null",
            "https://",
        ] {
            assert!(CorsPolicy::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_wildcard_grants_anonymous_requests_only() {
        let policy = CorsPolicy::parse("*, https://listed.example").unwrap_or_default();
        assert_eq!(
            policy.grant("https://other.example", false),
            Some(Grant::Anonymous)
        );
        assert_eq!(policy.grant("https://other.example", true), None);
        assert_eq!(
            policy.grant("https://listed.example", true),
            Some(Grant::Listed)
        );
        let listed_only = CorsPolicy::parse("https://listed.example").unwrap_or_default();
        assert_eq!(listed_only.grant("https://other.example", false), None);
    }
}
