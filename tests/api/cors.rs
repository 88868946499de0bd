//! CORS on the API paths: preflights and grants over plain HTTP, then the issue's test, a
//! page served from another origin (a second loopback listener) calling `/graphql` in
//! headless Chromium, with and without the origin allowed.

use crate::graphiql::dump_dom;
use chasqui::config::HttpConfig;
use chasqui::cors::CorsPolicy;
use chasqui_entities::Role;
use chasqui_store::{Author, Store};
use reqwest::header::HeaderMap;

/// chasqui on a fresh SQLite file, allowing the origins of `origins`; with a viewer's token.
struct CorsApp {
    base: String,
    token: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn cors_app(origins: &str) -> CorsApp {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("chasqui.db").display()
    );
    let db = chasqui::db::connect(&url, Some(2))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, token) = Store::new(db.clone())
        .create_token(&Author::command_line(), "viewer", Role::Viewer)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let policy = CorsPolicy::parse(origins).unwrap_or_else(|e| panic!("{e}"));
    let router = chasqui::http::router_with_cors(db, HttpConfig::default(), policy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        let _ = chasqui::http::serve(listener, router, std::future::pending()).await;
    });
    CorsApp {
        base: format!("http://{addr}"),
        token,
        client: reqwest::Client::new(),
        _dir: dir,
    }
}

const SITE: &str = "https://site.example";
const OTHER: &str = "https://other.example";

impl CorsApp {
    /// A preflight of `method` on `path` from `origin`, asking to send `headers`.
    async fn preflight(
        &self,
        path: &str,
        origin: &str,
        method: &str,
        headers: &str,
    ) -> (u16, HeaderMap) {
        let mut request = self
            .client
            .request(reqwest::Method::OPTIONS, format!("{}{path}", self.base))
            .header("origin", origin)
            .header("access-control-request-method", method);
        if !headers.is_empty() {
            request = request.header("access-control-request-headers", headers);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
        (response.status().as_u16(), response.headers().clone())
    }

    /// A GET of `path` from `origin` (none when empty), with the token or without.
    async fn get(&self, path: &str, origin: &str, with_token: bool) -> (u16, HeaderMap) {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if !origin.is_empty() {
            request = request.header("origin", origin);
        }
        if with_token {
            request = request.bearer_auth(&self.token);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
        (response.status().as_u16(), response.headers().clone())
    }
}

fn value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn varies_by_origin(headers: &HeaderMap) -> bool {
    headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("origin"))
}

const QUERY: &str = "/graphql?query=%7B__typename%7D";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_origin_gets_a_preflight_and_reads_with_its_token() {
    let app = cors_app(&format!("{SITE}, http://localhost:3000")).await;
    let (status, headers) = app
        .preflight("/graphql", SITE, "POST", "content-type, authorization")
        .await;
    assert_eq!(status, 204);
    assert_eq!(value(&headers, "access-control-allow-origin"), Some(SITE));
    assert_eq!(
        value(&headers, "access-control-allow-credentials"),
        Some("true")
    );
    let allowed = value(&headers, "access-control-allow-headers").unwrap_or_default();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert!(value(&headers, "access-control-allow-methods").is_some_and(|m| m.contains("POST")));
    assert!(value(&headers, "access-control-max-age").is_some());
    assert!(varies_by_origin(&headers));

    for with_token in [false, true] {
        let (status, headers) = app.get(QUERY, SITE, with_token).await;
        assert_eq!(status, 200);
        assert_eq!(value(&headers, "access-control-allow-origin"), Some(SITE));
        assert_eq!(
            value(&headers, "access-control-allow-credentials"),
            Some("true")
        );
        assert!(varies_by_origin(&headers));
    }
    // The other API paths, and refusals (a wrong token) too, so a page can read them.
    for path in ["/geojson/cases", "/map.svg"] {
        let (status, headers) = app.get(path, SITE, false).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            value(&headers, "access-control-allow-origin"),
            Some(SITE),
            "{path}"
        );
    }
    let refused = app
        .client
        .get(format!("{}{QUERY}", app.base))
        .header("origin", SITE)
        .bearer_auth("chq_not_a_token")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refused.status(), 401);
    assert_eq!(
        value(refused.headers(), "access-control-allow-origin"),
        Some(SITE)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_not_listed_gets_no_grant() {
    let app = cors_app(SITE).await;
    let (status, headers) = app
        .preflight("/graphql", OTHER, "POST", "content-type")
        .await;
    assert_eq!(status, 204);
    assert_eq!(value(&headers, "access-control-allow-origin"), None);
    assert_eq!(value(&headers, "access-control-allow-credentials"), None);
    assert_eq!(value(&headers, "access-control-allow-methods"), None);
    assert!(varies_by_origin(&headers));
    let (status, headers) = app.get(QUERY, OTHER, false).await;
    assert_eq!(status, 200);
    assert_eq!(value(&headers, "access-control-allow-origin"), None);
    assert!(
        varies_by_origin(&headers),
        "the answer depends on the origin"
    );
    // A request without an Origin (not from a page) is answered as before, varying by it.
    let (status, headers) = app.get(QUERY, "", false).await;
    assert_eq!(status, 200);
    assert_eq!(value(&headers, "access-control-allow-origin"), None);
    assert!(varies_by_origin(&headers));
    // Methods other than GET and POST, and headers not on the list, are not granted.
    let (_, headers) = app.preflight("/graphql", SITE, "DELETE", "").await;
    assert_eq!(value(&headers, "access-control-allow-origin"), None);
    let (_, headers) = app.preflight("/graphql", SITE, "POST", "x-custom").await;
    assert_eq!(value(&headers, "access-control-allow-origin"), None);
    // Not an API path: no CORS at all.
    let (_, headers) = app.get("/healthz", SITE, false).await;
    assert_eq!(value(&headers, "access-control-allow-origin"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wildcard_is_for_anonymous_reads_only() {
    let app = cors_app(&format!("*, {SITE}")).await;
    let (status, headers) = app
        .preflight("/graphql", OTHER, "POST", "content-type")
        .await;
    assert_eq!(status, 204);
    assert_eq!(value(&headers, "access-control-allow-origin"), Some("*"));
    assert_eq!(value(&headers, "access-control-allow-credentials"), None);
    let allowed = value(&headers, "access-control-allow-headers").unwrap_or_default();
    assert!(!allowed.contains("authorization"), "{allowed}");
    // Asking to send a token: refused.
    let (_, headers) = app
        .preflight("/graphql", OTHER, "POST", "content-type,Authorization")
        .await;
    assert_eq!(value(&headers, "access-control-allow-origin"), None);
    // Anonymous GET: granted; with a token: answered, but not to the page.
    let (_, headers) = app.get(QUERY, OTHER, false).await;
    assert_eq!(value(&headers, "access-control-allow-origin"), Some("*"));
    assert_eq!(value(&headers, "access-control-allow-credentials"), None);
    let (status, headers) = app.get(QUERY, OTHER, true).await;
    assert_eq!(status, 200);
    assert_eq!(value(&headers, "access-control-allow-origin"), None);
    assert_eq!(value(&headers, "access-control-allow-credentials"), None);
    // The origin listed by name keeps its token.
    let (_, headers) = app.get(QUERY, SITE, true).await;
    assert_eq!(value(&headers, "access-control-allow-origin"), Some(SITE));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_origins_nothing_changes() {
    let app = cors_app("").await;
    let (status, headers) = app
        .preflight("/graphql", SITE, "POST", "content-type")
        .await;
    assert_eq!(status, 405, "no CORS: the router answers OPTIONS as before");
    assert_eq!(value(&headers, "access-control-allow-origin"), None);
    let (_, headers) = app.get(QUERY, SITE, false).await;
    assert_eq!(value(&headers, "access-control-allow-origin"), None);
}

/// A page on its own loopback origin that POSTs a query to chasqui, anonymously and then
/// with the token, and writes both outcomes into its DOM.
/// `listener` is bound first: chasqui must know the page's origin when it starts.
async fn serve_page(
    app: &CorsApp,
    listener: tokio::net::TcpListener,
) -> tokio::task::JoinHandle<()> {
    let page = format!(
        r#"<!DOCTYPE html><html><body><p id="out">pending</p><script>
async function attempt(headers) {{
  try {{
    const response = await fetch("{base}/graphql", {{
      method: "POST",
      headers: Object.assign({{"content-type": "application/json"}}, headers),
      body: JSON.stringify({{query: "{{ __typename }}"}}),
    }});
    const body = await response.json();
    return body.data && body.data.__typename ? "ok" : "refused";
  }} catch (e) {{
    return "failed";
  }}
}}
(async () => {{
  const anonymous = await attempt({{}});
  const token = await attempt({{authorization: "Bearer {token}"}});
  document.getElementById("out").textContent = "anonymous=" + anonymous + " token=" + token;
}})();
</script></body></html>"#,
        base = app.base,
        token = app.token
    );
    let site = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, site).await;
    })
}

/// The outcome the page wrote, from its DOM.
fn outcome(dom: &str) -> &str {
    dom.split("<p id=\"out\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no outcome in {dom}"))
}

// The issue's test: from a page served on another origin, a fetch to /graphql succeeds
// with CORS configured and fails without; with `*`, only without a token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_origin_calls_graphql_when_allowed() {
    for allowed in ["", "the page's", "*"] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let site = format!(
            "http://{}",
            listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
        );
        let (origins, expected) = match allowed {
            "" => (String::new(), "anonymous=failed token=failed"),
            "*" => ("*".to_owned(), "anonymous=ok token=failed"),
            _ => (site.clone(), "anonymous=ok token=ok"),
        };
        let app = cors_app(&origins).await;
        assert_ne!(app.base, site, "two origins");
        let server = serve_page(&app, listener).await;
        assert_eq!(
            outcome(&dump_dom(&format!("{site}/")).await),
            expected,
            "origins allowed: {allowed:?}"
        );
        server.abort();
    }
}
