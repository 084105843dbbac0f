//! Typed settings: defaults for the embedded mode, then an optional TOML file, then `OKNO_…` variables.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

/// Every setting okno reads. Each field is also an environment variable: `OKNO_` + its name
/// in upper case (`addr` → `OKNO_ADDR`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address the gateway listens on.
    pub addr: SocketAddr,
    /// The URL browsers and partners use to reach okno (scheme, host, port). It is okno's own
    /// origin in CSP headers and in the embed snippet. Default: `http://` + `addr`.
    pub public_url: Option<Url>,
    /// Directory for the embedded database and other local state.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`. Default: a SQLite file `okno.db` in `data_dir`.
    #[serde(serialize_with = "redacted")]
    pub database_url: Option<SecretString>,
    /// The key file for encryption at rest (secrets, personal data): `id base64-key` lines, the
    /// first sealing new values. Default: `okno.key` in `data_dir`, created (mode 0600) on first run.
    pub encryption_key_file: Option<PathBuf>,
    /// Start the built-in sandbox portal in-process (test mode needs no other set-up).
    pub sandbox: bool,
    /// Address of the in-process sandbox portal; port 0 picks a free one.
    pub sandbox_addr: SocketAddr,
    /// Seconds between the scheduled status changes of a pushed sandbox order
    /// (17 → 21 → 2 → 6 → 3); tests set it short.
    pub sandbox_step_seconds: u64,
    /// Seconds between two reads of a filed application's status on the portal.
    pub status_poll_seconds: u64,
    /// Portal base URL for test keys. Default: the in-process sandbox portal.
    pub test_portal_url: Option<Url>,
    /// Portal base URL for live keys (e.g. the real EPGU host). Unset: live keys are refused.
    pub live_portal_url: Option<Url>,
    /// Whole-request timeout for portal calls, in milliseconds.
    pub portal_timeout_ms: u64,
    /// Connection timeout for portal calls, in milliseconds.
    pub portal_connect_timeout_ms: u64,
    /// Create a test partner on first start so the sandbox page has something to show.
    pub demo_partner: bool,
    /// Where the built widget (WASM, JS, CSS) and `public/` files are served from.
    pub site_root: PathBuf,
    /// Log filter, e.g. `info` or `server=debug,tower_http=info`.
    pub log: String,
    /// Proxies (CIDR) whose `X-Forwarded-For` is believed; from anyone else it is ignored.
    pub trusted_proxies: Vec<String>,
    /// How far a signed request's `created` may lie in the future (clock skew), in seconds.
    pub signature_skew_seconds: i64,
    /// Partner API requests per minute per partner (GCRA: this many at once, then this rate).
    pub rate_limit_partner_per_minute: u32,
    /// Partner API requests per minute per client address.
    pub rate_limit_ip_per_minute: u32,
    /// Failures (bad signatures, replays) from one key or address within
    /// `anomaly_window_seconds` that block it for `anomaly_block_seconds`.
    pub anomaly_failure_limit: u32,
    pub anomaly_window_seconds: i64,
    pub anomaly_block_seconds: i64,
    /// Serve HTTPS with this certificate chain (PEM); needs `tls_key_file`. Turns on HSTS.
    pub tls_cert_file: Option<PathBuf>,
    /// The private key (PEM) for `tls_cert_file`.
    pub tls_key_file: Option<PathBuf>,
    /// Oldest TLS version accepted when TLS is on: `1.3` (default) or `1.2`.
    pub tls_min_version: String,
}

fn redacted<S: serde::Serializer>(
    value: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(_) => serializer.serialize_some("[redacted]"),
        None => serializer.serialize_none(),
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: None,
            data_dir: PathBuf::from("data"),
            database_url: None,
            encryption_key_file: None,
            sandbox: true,
            sandbox_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            sandbox_step_seconds: 20,
            status_poll_seconds: 30,
            test_portal_url: None,
            live_portal_url: None,
            portal_timeout_ms: 10_000,
            portal_connect_timeout_ms: 3_000,
            demo_partner: true,
            site_root: PathBuf::from("target/site"),
            log: "info,tower_http=info".to_owned(),
            trusted_proxies: Vec::new(),
            signature_skew_seconds: 30,
            rate_limit_partner_per_minute: 600,
            rate_limit_ip_per_minute: 1_200,
            anomaly_failure_limit: 20,
            anomaly_window_seconds: 60,
            anomaly_block_seconds: 900,
            tls_cert_file: None,
            tls_key_file: None,
            tls_min_version: "1.3".to_owned(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid settings: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error("settings file {0} does not exist")]
    MissingFile(PathBuf),
}

impl Settings {
    /// Defaults, then `file` (if given; it must exist), then `OKNO_…` environment variables.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::MissingFile(file.to_owned()));
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("OKNO_").ignore(&["config"]));
        figment
            .extract()
            .map_err(|e| ConfigError::Invalid(Box::new(e)))
    }

    /// The database URL to connect to (the embedded SQLite file unless configured).
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose_secret().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("okno.db").display()
            ),
        }
    }

    /// Where the encryption keys are read from.
    pub fn encryption_key_file(&self) -> PathBuf {
        self.encryption_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("okno.key"))
    }

    /// The time between scheduled sandbox status changes.
    pub fn sandbox_step(&self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.sandbox_step_seconds).unwrap_or(i64::MAX))
    }

    /// okno's public base URL, without a trailing slash.
    pub fn public_base(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None if self.tls().is_some() => format!("https://{bound}"),
            None => format!("http://{bound}"),
        }
    }

    /// The certificate and key files when TLS is on.
    pub fn tls(&self) -> Option<(&Path, &Path)> {
        Some((
            self.tls_cert_file.as_deref()?,
            self.tls_key_file.as_deref()?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_embedded_mode() {
        let settings = Settings::default();
        assert!(settings.sandbox);
        assert!(settings.database_url().starts_with("sqlite://data/okno.db"));
        assert_eq!(
            settings.public_base("127.0.0.1:3000".parse().unwrap_or(settings.addr)),
            "http://127.0.0.1:3000"
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's test jail returns its own large error type
    fn a_file_and_the_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("okno.toml", "addr = \"127.0.0.1:4000\"\nsandbox = false\n")?;
            jail.set_env("OKNO_ADDR", "127.0.0.1:5000");
            let settings =
                Settings::load(Some(Path::new("okno.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(settings.addr.port(), 5000);
            assert!(!settings.sandbox);
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's test jail returns its own large error type
    fn unknown_settings_are_refused_loudly() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("OKNO_ADRESS", "127.0.0.1:5000");
            let error = Settings::load(None)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(error.contains("adress"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn the_database_url_is_redacted_when_settings_are_printed() {
        let settings = Settings {
            database_url: Some(SecretString::from("postgres://u:hunter2@db/okno")),
            ..Settings::default()
        };
        let printed = serde_json::to_string(&settings).unwrap_or_default();
        assert!(!printed.contains("hunter2") && printed.contains("[redacted]"));
        assert!(!format!("{settings:?}").contains("hunter2"));
    }
}
