//! `TestApp`: a fresh database (a SQLite file in a temp dir, or a PostgreSQL database of
//! its own), migrated, behind the real router served on 127.0.0.1:0.

use chasqui::config::HttpConfig;
use chasqui_entities::Role;
use chasqui_store::Store;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub statements: Arc<AtomicUsize>,
    pub sql_log: Arc<std::sync::Mutex<Vec<String>>>,
    /// Tokens of each role, created with the app.
    pub viewer: String,
    pub editor: String,
    pub admin: String,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);
static LOGS: OnceLock<()> = OnceLock::new();

fn pg_admin_url() -> String {
    std::env::var("CHASQUI_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Whether the test process that created database `name` (`chasqui_t_{pid}_{n}`) still
/// runs: two suites on one machine (two work trees, say) must not drop each other's
/// databases. Without `/proc` every owner counts as gone.
fn owner_is_running(name: &str) -> bool {
    name.strip_prefix("chasqui_t_")
        .and_then(|rest| rest.split('_').next())
        .and_then(|pid| pid.parse::<u32>().ok())
        .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
}

/// The URL of database `name` on the server of `admin_url`.
fn pg_database_url(admin_url: &str, name: &str) -> String {
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .unwrap_or_else(|| admin_url.to_owned());
    format!("{base}/{name}")
}

/// Drops the databases (`chasqui_t_…`) and templates (`chasqui_tpl_…`) that earlier test
/// processes left behind (process ids that no longer run).
async fn drop_stale_pg_databases(admin: &DatabaseConnection) {
    let pid = std::process::id();
    let stale = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'chasqui_t_%' OR datname LIKE 'chasqui_tpl_%'"
                .to_owned(),
        ))
        .await
        .unwrap_or_default();
    for row in stale {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let owner = name
            .strip_prefix("chasqui_tpl_")
            .map(|rest| format!("chasqui_t_{rest}_"))
            .unwrap_or_else(|| name.clone());
        if !owner.starts_with(&format!("chasqui_t_{pid}_")) && !owner_is_running(&owner) {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// This process's template database: created and migrated once, then copied for every
/// test (`CREATE DATABASE … TEMPLATE`), which is much cheaper than running every
/// migration again for each of the PostgreSQL tests.
static PG_TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn pg_template(admin: &DatabaseConnection, admin_url: &str) -> String {
    PG_TEMPLATE
        .get_or_init(|| async {
            drop_stale_pg_databases(admin).await;
            let name = format!("chasqui_tpl_{}", std::process::id());
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap_or_else(|e| panic!("creating {name}: {e}"));
            let url = pg_database_url(admin_url, &name);
            let db = chasqui::db::connect(&url, Some(1))
                .await
                .unwrap_or_else(|e| panic!("migrating {name}: {e}"));
            // A template may not be copied while anyone is connected to it.
            db.close()
                .await
                .unwrap_or_else(|e| panic!("closing {name}: {e}"));
            name
        })
        .await
        .clone()
}

/// Creates a PostgreSQL database for one test, a copy of the migrated template, and
/// returns its URL. Databases left by earlier runs are dropped first.
async fn fresh_pg_database() -> String {
    let admin_url = pg_admin_url();
    let admin = Database::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url}: {e}"));
    let template = pg_template(&admin, &admin_url).await;
    let name = format!(
        "chasqui_t_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    admin
        .execute_unprepared(&format!(
            "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
        ))
        .await
        .unwrap_or_else(|e| panic!("creating {name}: {e}"));
    let _ = admin.close().await;
    pg_database_url(&admin_url, &name)
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::spawn_with(engine, HttpConfig::default()).await
    }

    /// An app on an empty database: no tokens either (for loading dumps).
    pub async fn spawn_bare(engine: Engine) -> TestApp {
        Self::spawn_inner(engine, HttpConfig::default(), false).await
    }

    /// A new app on an empty database of `engine`, loaded from this app's dump.
    pub async fn dumped_into(&self, engine: Engine) -> TestApp {
        let mut dump = Vec::new();
        self.store
            .export(&mut dump)
            .await
            .unwrap_or_else(|e| panic!("export: {e}"));
        let loaded = Self::spawn_bare(engine).await;
        loaded
            .store
            .load_dump(dump.as_slice())
            .await
            .unwrap_or_else(|e| panic!("load: {e}"));
        loaded
    }

    pub async fn spawn_with(engine: Engine, config: HttpConfig) -> TestApp {
        Self::spawn_inner(engine, config, true).await
    }

    async fn spawn_inner(engine: Engine, config: HttpConfig, with_tokens: bool) -> TestApp {
        LOGS.get_or_init(|| {
            if std::env::var("TEST_LOG").is_ok() {
                chasqui::telemetry::init();
            }
        });
        let (url, dir) = match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("chasqui.db").display()
                );
                (url, Some(dir))
            }
            Engine::Postgres => (fresh_pg_database().await, None),
        };
        let mut db: DatabaseConnection = chasqui::db::connect(&url, Some(4))
            .await
            .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sql_log = log.clone();
        db.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut log) = sql_log.lock() {
                log.push(info.statement.sql.chars().take(60).collect::<String>());
            }
        });
        let store = Store::new(db.clone());
        let app = chasqui::http::router(db, config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"));
        tokio::spawn(async move {
            let _ = chasqui::http::serve(listener, app, std::future::pending()).await;
        });
        let author = chasqui_store::Author::command_line();
        let mut tokens = Vec::new();
        let roles = [
            ("viewer", Role::Viewer),
            ("editor", Role::Editor),
            ("admin", Role::Admin),
        ];
        for (name, role) in roles.into_iter().filter(|_| with_tokens) {
            let (_, secret) = store
                .create_token(&author, name, role)
                .await
                .unwrap_or_else(|e| panic!("token: {e}"));
            tokens.push(secret);
        }
        tokens.resize(3, String::new());
        let [viewer, editor, admin]: [String; 3] =
            tokens.try_into().unwrap_or_else(|_| panic!("three tokens"));
        let app = TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            store,
            statements,
            sql_log: log,
            viewer,
            editor,
            admin,
            _dir: dir,
        };
        // The router loads its spatial index in the background when it starts, on the
        // app's pool: a spatial question waits for that load, so that its statements are
        // never counted with a test's own. It is asked with a token where there is one,
        // so that it spends none of the anonymous rate a test may measure.
        let waiter = (!app.admin.is_empty()).then(|| app.admin.clone());
        app.data_as(
            waiter.as_deref(),
            "{ locate(latitude: 0, longitude: 0) { __typename } }",
            json!({}),
        )
        .await;
        app
    }

    pub async fn with_demo(engine: Engine) -> TestApp {
        let app = Self::spawn(engine).await;
        let report = chasqui::demo::load(&app.store)
            .await
            .unwrap_or_else(|e| panic!("demo: {e}"));
        assert!(report.is_some(), "the demo loads into an empty database");
        app
    }

    /// POSTs a GraphQL request and returns the whole response body.
    /// POSTs a GraphQL request with the editor's token and returns the whole body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_as(Some(&self.editor), query, variables).await
    }

    /// POSTs a GraphQL request with `token` (anonymous when `None`).
    pub async fn graphql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        response
            .json()
            .await
            .unwrap_or_else(|e| panic!("response is not JSON: {e}"))
    }

    /// Like [`TestApp::graphql`], but the response must have no errors; returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        self.data_as(Some(&self.editor), query, variables).await
    }

    /// Like [`TestApp::graphql_as`], but the response must have no errors; returns `data`.
    pub async fn data_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.graphql_as(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// The code of the first error of a response that must have failed.
    pub fn error_code(body: &Value) -> String {
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {body:#}"))
            .to_owned()
    }

    /// The statements run since the `from`-th, shortened, for failure messages.
    pub fn statements_since(&self, from: usize) -> Vec<String> {
        self.sql_log
            .lock()
            .map(|log| log.iter().skip(from).cloned().collect())
            .unwrap_or_default()
    }

    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }
}

/// Declares a test that runs once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_engines {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::app::Engine) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::app::Engine::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::app::Engine::Postgres).await
            }
        }
    };
}
