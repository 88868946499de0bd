//! GraphiQL served by chasqui itself: the page and its files over plain HTTP, then the
//! page in headless Chromium with every host but 127.0.0.1 unresolvable, running a query.
//! Also the browser helpers of the CORS tests (`chromium`, `dump_dom`, [`Devtools`]).

use crate::app::{Engine, TestApp};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The Chromium command on this machine.
pub fn chromium() -> &'static str {
    for name in ["chromium", "chromium-browser"] {
        if std::process::Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return name;
        }
    }
    panic!(
        "chromium is not installed: the GraphiQL, CORS and map tests run a real browser. \
         Debian: apt-get install -y chromium (scripts/test installs it)"
    )
}

/// Flags of every headless run: no network but loopback (any other host name fails to
/// resolve), nothing in the background.
fn headless_flags(profile: &std::path::Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// The DOM of `url` once its scripts have run (and its fetches have answered), as
/// headless Chromium prints it.
pub async fn dump_dom(url: &str) -> String {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let out = std::process::Command::new(chromium())
            .args(headless_flags(&dir.path().join("profile")))
            .args(["--dump-dom", "--virtual-time-budget=10000"])
            .arg(&url)
            .output()
            .unwrap_or_else(|e| panic!("running chromium: {e}"));
        let dom = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            !dom.is_empty(),
            "chromium printed no DOM: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dom
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Headless Chromium driven over the DevTools protocol, on a pipe (`--remote-debugging-
/// pipe`: messages of JSON, each ended by a NUL byte, in on fd 3 and out on fd 4; here two
/// named pipes that the shell connects to them).
pub struct Devtools {
    to_browser: std::fs::File,
    from_browser: BufReader<std::fs::File>,
    next_id: u64,
    browser: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Devtools {
    pub fn launch() -> Devtools {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (to, from): (PathBuf, PathBuf) = (dir.path().join("in"), dir.path().join("out"));
        let made = std::process::Command::new("mkfifo")
            .arg(&to)
            .arg(&from)
            .status()
            .unwrap_or_else(|e| panic!("mkfifo: {e}"));
        assert!(made.success(), "mkfifo failed");
        let browser = std::process::Command::new("bash")
            .arg("-c")
            .arg(r#"exec "$@" 3<"$DEVTOOLS_IN" 4>"$DEVTOOLS_OUT""#)
            .arg("bash")
            .arg(chromium())
            .args(headless_flags(&dir.path().join("profile")))
            .arg("--remote-debugging-pipe")
            .arg("about:blank")
            .env("DEVTOOLS_IN", &to)
            .env("DEVTOOLS_OUT", &from)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("running chromium: {e}"));
        // In the order the shell opens them: each open waits for the other end.
        let to_browser = std::fs::OpenOptions::new()
            .write(true)
            .open(&to)
            .unwrap_or_else(|e| panic!("{e}"));
        let from_browser =
            BufReader::new(std::fs::File::open(&from).unwrap_or_else(|e| panic!("{e}")));
        Devtools {
            to_browser,
            from_browser,
            next_id: 1,
            browser,
            _dir: dir,
        }
    }

    /// Sends a command (to a page's session when given) and returns its result, skipping
    /// the events that arrive meanwhile.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .unwrap_or_else(|e| panic!("writing to chromium: {e}"));
        loop {
            let mut reply = Vec::new();
            let read = self
                .from_browser
                .read_until(0, &mut reply)
                .unwrap_or_else(|e| panic!("reading from chromium: {e}"));
            assert!(read > 0, "chromium closed its pipe");
            reply.pop_if(|b| *b == 0);
            let reply: Value =
                serde_json::from_slice(&reply).unwrap_or_else(|e| panic!("not JSON: {e}"));
            if reply["id"] == id {
                assert!(reply.get("error").is_none(), "{method}: {reply}");
                return reply["result"].clone();
            }
        }
    }

    /// Opens `url` in a new tab and returns the tab's session.
    pub fn open(&mut self, url: &str) -> String {
        let target = self.call(None, "Target.createTarget", json!({ "url": url }));
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        );
        attached["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {attached}"))
            .to_owned()
    }

    /// The value of a JavaScript expression in the page.
    pub fn evaluate(&mut self, session: &str, expression: &str) -> Value {
        let result = self.call(
            Some(session),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        result["result"]["value"].clone()
    }

    /// Evaluates `expression` until it is truthy, for at most `within`; its last value.
    pub fn wait_for(&mut self, session: &str, expression: &str, within: Duration) -> Value {
        let start = Instant::now();
        loop {
            let value = self.evaluate(session, expression);
            let truthy = !matches!(value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy || start.elapsed() > within {
                return value;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Devtools {
    fn drop(&mut self) {
        let _ = self.browser.kill();
        let _ = self.browser.wait();
    }
}

async fn get(app: &TestApp, path: &str, accept: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base))
        .header(reqwest::header::ACCEPT, accept)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

// The page a browser gets at /graphql names only files under /graphiql/, each served with
// its type and a long cache; its content security policy allows nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_and_its_files_come_from_chasqui() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let page = get(&app, "/graphql", "text/html,application/xhtml+xml").await;
    assert_eq!(page.status(), 200);
    assert!(header(&page, "content-type").starts_with("text/html"));
    let csp = header(&page, "content-security-policy").to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let html = page.text().await.unwrap_or_default();
    assert!(
        !html.contains("//unpkg") && !html.contains("https:"),
        "{html}"
    );
    let files: Vec<&str> = html
        .split(['"', '\''])
        .filter(|s| s.starts_with("/graphiql/"))
        .collect();
    assert_eq!(files.len(), 5, "{html}");
    for file in files {
        let response = get(&app, file, "*/*").await;
        assert_eq!(response.status(), 200, "{file}");
        let kind = header(&response, "content-type").to_owned();
        let cache = header(&response, "cache-control").to_owned();
        if file.ends_with(".css") {
            assert_eq!(kind, "text/css; charset=utf-8");
        } else {
            assert_eq!(kind, "text/javascript; charset=utf-8", "{file}");
        }
        if file.ends_with("start.js") {
            assert_eq!(cache, "no-cache");
        } else {
            assert_eq!(cache, "public, max-age=31536000, immutable", "{file}");
        }
        assert!(
            response.bytes().await.unwrap_or_default().len() > 500,
            "{file}"
        );
    }
    for licence in [
        "LICENSE.graphiql",
        "LICENSE.react",
        "LICENSE.react-dom",
        "LICENSES.graphiql-dependencies",
    ] {
        let response = get(&app, &format!("/graphiql/{licence}"), "*/*").await;
        assert_eq!(response.status(), 200);
        assert!(
            response
                .text()
                .await
                .unwrap_or_default()
                .contains("MIT License")
        );
    }
    assert_eq!(get(&app, "/graphiql/nothing.js", "*/*").await.status(), 404);
    // A query in the URL is still a GraphQL request, answered with JSON.
    let answer = get(&app, "/graphql?query=%7B__typename%7D", "text/html,*/*").await;
    assert!(header(&answer, "content-type").contains("json"));
}

// The issue's test: GraphiQL loads and runs a query in headless Chromium with every other
// host blocked, and loads nothing from anywhere but chasqui.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_a_query_with_every_other_host_blocked() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    app.data(
        r#"mutation { createCase(input: {slug: "seen-in-graphiql", kind: MINE, title: "Visto desde GraphiQL", status: ACTIVE}) { id } }"#,
        json!({}),
    )
    .await;
    let query = r#"{ case(slug: "seen-in-graphiql") { title } }"#;
    let url = format!(
        "{}/graphql#query={}",
        app.base,
        query
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect::<String>()
    );
    let base = app.base.clone();
    let (result, resources) = tokio::task::spawn_blocking(move || {
        let mut browser = Devtools::launch();
        let page = browser.open(&url);
        let button = browser.wait_for(
            &page,
            "!!document.querySelector('.graphiql-execute-button')",
            Duration::from_secs(60),
        );
        let body = browser.evaluate(&page, "document.body.innerText.slice(0, 500)");
        assert_eq!(button, json!(true), "GraphiQL did not start: {body}");
        // The schema arrived (its introspection passed the depth limit): the
        // documentation explorer shows the root types.
        browser.evaluate(
            &page,
            "document.querySelector('.graphiql-sidebar button').click()",
        );
        let docs = browser.wait_for(
            &page,
            "(() => { const d = document.querySelector('.graphiql-doc-explorer'); \
              return d && d.innerText.includes('Mutation') ? d.innerText : ''; })()",
            Duration::from_secs(30),
        );
        let docs = docs.as_str().unwrap_or_default().to_owned();
        assert!(docs.contains("query"), "no schema in GraphiQL: {docs:?}");
        browser.evaluate(
            &page,
            "document.querySelector('.graphiql-execute-button').click()",
        );
        let result = browser.wait_for(
            &page,
            "(() => { const r = document.querySelector('.result-window'); \
              return r && r.innerText.includes('Visto desde GraphiQL') ? r.innerText : ''; })()",
            Duration::from_secs(30),
        );
        let resources = browser.evaluate(
            &page,
            "performance.getEntriesByType('resource').map(e => e.name)",
        );
        (result, resources)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let result = result.as_str().unwrap_or_default();
    assert!(
        result.contains("\"title\": \"Visto desde GraphiQL\""),
        "no result in GraphiQL: {result:?}"
    );
    let resources = resources.as_array().cloned().unwrap_or_default();
    assert!(resources.len() >= 5, "{resources:?}");
    for resource in resources {
        let resource = resource.as_str().unwrap_or_default();
        assert!(resource.starts_with(&base), "{resource} is not chasqui's");
    }
}
