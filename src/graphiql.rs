//! GraphiQL, served by chasqui itself: the page a browser gets at `GET /graphql` loads
//! only the files below, from `/graphiql/…`, so it works on a machine or a network that
//! reaches nothing but chasqui. The files are the production builds of React and ReactDOM
//! 18 and GraphiQL's bundle and stylesheet, fetched from the npm registry by
//! `scripts/vendor-graphiql` (which pins their versions and checks their sums), compiled
//! into the binary; their licences ship next to them in `src/graphiql/` and are served
//! under `/graphiql/` too.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A file under `/graphiql/`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    /// Vendored files carry their version in their name and never change under it.
    immutable: bool,
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

const ASSETS: [Asset; 9] = [
    Asset {
        name: "react-18.3.1.production.min.js",
        content_type: JAVASCRIPT,
        body: include_bytes!("graphiql/react-18.3.1.production.min.js"),
        immutable: true,
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        content_type: JAVASCRIPT,
        body: include_bytes!("graphiql/react-dom-18.3.1.production.min.js"),
        immutable: true,
    },
    Asset {
        name: "graphiql-4.1.2.min.js",
        content_type: JAVASCRIPT,
        body: include_bytes!("graphiql/graphiql-4.1.2.min.js"),
        immutable: true,
    },
    Asset {
        name: "graphiql-4.1.2.min.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("graphiql/graphiql-4.1.2.min.css"),
        immutable: true,
    },
    Asset {
        name: "start.js",
        content_type: JAVASCRIPT,
        body: START.as_bytes(),
        immutable: false,
    },
    Asset {
        name: "LICENSE.graphiql",
        content_type: TEXT,
        body: include_bytes!("graphiql/LICENSE.graphiql"),
        immutable: false,
    },
    Asset {
        name: "LICENSE.react",
        content_type: TEXT,
        body: include_bytes!("graphiql/LICENSE.react"),
        immutable: false,
    },
    Asset {
        name: "LICENSE.react-dom",
        content_type: TEXT,
        body: include_bytes!("graphiql/LICENSE.react-dom"),
        immutable: false,
    },
    Asset {
        name: "LICENSES.graphiql-dependencies",
        content_type: TEXT,
        body: include_bytes!("graphiql/LICENSES.graphiql-dependencies"),
        immutable: false,
    },
];

/// The page: the stylesheet, React, ReactDOM, GraphiQL, then `start.js`, all from here.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="robots" content="noindex">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>chasqui: GraphiQL</title>
    <link rel="stylesheet" href="/graphiql/graphiql-4.1.2.min.css">
    <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  </head>
  <body>
    <div id="graphiql">Loading…</div>
    <script src="/graphiql/react-18.3.1.production.min.js"></script>
    <script src="/graphiql/react-dom-18.3.1.production.min.js"></script>
    <script src="/graphiql/graphiql-4.1.2.min.js"></script>
    <script src="/graphiql/start.js"></script>
  </body>
</html>
"#;

/// Starts GraphiQL against this server's `/graphql`. A `#query=…` fragment (with
/// `&variables=…`) fills the editors, so that a link can carry a query.
///
/// GraphiQL's own introspection query nests nine levels of `ofType`, deeper than chasqui's
/// depth limit (12 by default) allows; the fetcher sends this one instead, with six, more
/// than any type of chasqui's schema wraps (`[X!]!` is three).
const START: &str = r#""use strict";
(function () {
  var typeRef = "kind name";
  for (var level = 0; level < 6; level++) typeRef = "kind name ofType { " + typeRef + " }";
  var introspection = "query IntrospectionQuery { __schema { description " +
    "queryType { name } mutationType { name } subscriptionType { name } " +
    "types { ...FullType } directives { name description isRepeatable locations " +
    "args(includeDeprecated: true) { ...InputValue } } } } " +
    "fragment FullType on __Type { kind name description specifiedByURL " +
    "fields(includeDeprecated: true) { name description " +
    "args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } " +
    "isDeprecated deprecationReason } inputFields(includeDeprecated: true) { ...InputValue } " +
    "interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name description " +
    "isDeprecated deprecationReason } possibleTypes { ...TypeRef } } " +
    "fragment InputValue on __InputValue { name description type { ...TypeRef } " +
    "defaultValue isDeprecated deprecationReason } " +
    "fragment TypeRef on __Type { " + typeRef + " }";
  var fetcher = GraphiQL.createFetcher({
    url: new URL("/graphql", window.location.origin).toString(),
  });
  var props = {
    fetcher: function (params, options) {
      if (params && params.operationName === "IntrospectionQuery") {
        params = Object.assign({}, params, { query: introspection });
      }
      return fetcher(params, options);
    },
    defaultEditorToolsVisibility: true,
  };
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.has("query")) props.query = fragment.get("query");
  if (fragment.has("variables")) props.variables = fragment.get("variables");
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, props)
  );
})();
"#;

/// What the page may load: its own files and its own API, nothing else (inline styles are
/// GraphiQL's own; its fonts and icons are data URLs).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The GraphiQL page, for a browser's `GET /graphql`.
pub fn page() -> Response {
    let mut response = (StatusCode::OK, PAGE).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /graphiql/{file}`: a vendored file with a year of caching (its name changes with
/// its version), or the start script and licences, which a browser asks again for.
pub async fn asset(Path(name): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cache = if asset.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = (StatusCode::OK, asset.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
