//! Configuration: built-in defaults, overridden by `CHASQUI_*` environment variables and
//! command-line flags (clap reads both).

use crate::cors::CorsPolicy;
use chasqui_schema::{PageLimits, QueryLimits};
use clap::Args;
use std::net::SocketAddr;
use std::time::Duration;

/// The default database: a SQLite file next to where chasqui is started, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://chasqui.db?mode=rwc";

#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded, the default) or
    /// `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// Connections in the pool (default: 16 on PostgreSQL, 4 on SQLite).
    #[arg(long, env = "CHASQUI_DB_POOL")]
    pub pool_size: Option<u32>,
}

#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address to listen on.
    #[arg(long, env = "CHASQUI_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Load the demo data set (cases from the news of 2017) into an empty database first.
    #[arg(long)]
    pub demo: bool,

    /// Deepest query nesting accepted.
    #[arg(long, env = "CHASQUI_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,

    /// Highest price of a request accepted (each field of each item counts; a page its size
    /// times its selection; a GeoJSON answer its features; an area its vertices).
    #[arg(long, env = "CHASQUI_MAX_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,

    /// Page size when `first` is not given.
    #[arg(long, env = "CHASQUI_DEFAULT_PAGE", default_value_t = 20)]
    pub default_page_size: u64,

    /// Largest `first` accepted.
    #[arg(long, env = "CHASQUI_MAX_PAGE", default_value_t = 100)]
    pub max_page_size: u64,

    /// Largest request body, in bytes.
    #[arg(long, env = "CHASQUI_MAX_BODY", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,

    /// Time a request may take, in milliseconds, from its headers to its whole answer.
    #[arg(long, env = "CHASQUI_REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,

    /// Highest total price of the requests running at once; a request waits (within its
    /// timeout) until its price fits.
    #[arg(long, env = "CHASQUI_MAX_COST_IN_FLIGHT", default_value_t = 40_000)]
    pub max_cost_in_flight: usize,

    /// Largest GraphQL answer, in bytes; a larger one is refused.
    #[arg(long, env = "CHASQUI_MAX_RESPONSE", default_value_t = 16_777_216)]
    pub max_response_bytes: usize,

    /// Time a connection may take to send a request's headers, in milliseconds, from when
    /// it opens or from the end of its previous answer: an idle keep-alive connection is
    /// closed after it too.
    #[arg(long, env = "CHASQUI_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_timeout_ms: u64,

    /// Most connections open at once; one more is answered 503 and closed.
    #[arg(long, env = "CHASQUI_MAX_CONNECTIONS", default_value_t = 512)]
    pub max_connections: usize,

    /// How long the DataLoader waits to batch lookups, in microseconds.
    #[arg(long, env = "CHASQUI_BATCH_DELAY_US", default_value_t = 100)]
    pub batch_delay_us: u64,

    /// Requests per minute allowed to one token (or, for anonymous callers, one IP
    /// address); 0 turns the limit off.
    #[arg(long, env = "CHASQUI_RATE_LIMIT", default_value_t = 600)]
    pub rate_limit_per_minute: u32,

    /// Requests one caller may make at once before the per-minute rate applies.
    #[arg(long, env = "CHASQUI_RATE_BURST", default_value_t = 60)]
    pub rate_burst: u32,

    /// Origins whose pages may call the API (`/graphql`, `/geojson/…`, `/map.svg`) from a
    /// browser, comma-separated (`https://example.org,http://localhost:3000`); none by
    /// default. `*` lets any other origin make anonymous requests (no token, no
    /// credentials).
    #[arg(long, env = "CHASQUI_CORS_ORIGINS", value_parser = CorsPolicy::parse)]
    pub cors_origins: Option<CorsPolicy>,
}

/// What the router needs, separate from where it came from (tests build it directly).
#[derive(Clone, Copy, Debug)]
pub struct HttpConfig {
    pub limits: QueryLimits,
    pub max_body_bytes: usize,
    /// From a request's headers to its whole answer, serialised.
    pub request_timeout: Duration,
    /// The total price of the requests running at once.
    pub max_cost_in_flight: usize,
    pub max_response_bytes: usize,
    pub batch_delay: Duration,
    /// Requests per minute per token or IP; `None` turns the limit off.
    pub rate_limit_per_minute: Option<u32>,
    pub rate_burst: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            limits: QueryLimits::default(),
            max_body_bytes: 1_048_576,
            request_timeout: Duration::from_secs(10),
            max_cost_in_flight: 40_000,
            max_response_bytes: 16 * 1024 * 1024,
            batch_delay: Duration::from_micros(100),
            rate_limit_per_minute: Some(600),
            rate_burst: 60,
        }
    }
}

/// What the server allows a connection, separate from the router (it is applied where
/// connections are accepted: `http::serve_with`).
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// For a request's headers, from the connection's opening or its previous answer.
    pub header_timeout: Duration,
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            max_connections: 512,
        }
    }
}

impl ServeArgs {
    pub fn connection_limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: Duration::from_millis(self.header_timeout_ms.max(1)),
            max_connections: self.max_connections.max(1),
        }
    }

    pub fn http_config(&self) -> HttpConfig {
        HttpConfig {
            limits: QueryLimits {
                max_depth: self.max_depth,
                max_complexity: self.max_complexity,
                page: PageLimits {
                    default_size: self.default_page_size,
                    max_size: self.max_page_size,
                },
            },
            max_body_bytes: self.max_body_bytes,
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            max_cost_in_flight: self.max_cost_in_flight.max(1),
            max_response_bytes: self.max_response_bytes.max(1),
            batch_delay: Duration::from_micros(self.batch_delay_us),
            rate_limit_per_minute: (self.rate_limit_per_minute > 0)
                .then_some(self.rate_limit_per_minute),
            rate_burst: self.rate_burst.max(1),
        }
    }
}
