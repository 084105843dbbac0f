//! The `okno` command line: serve (default), a standalone sandbox portal, and operator commands.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use anyhow::Context;
use app::partner::Mode;
use clap::{Parser, Subcommand};

use crate::{
    audit::{self, AuditEvent, AuditLog, Outcome},
    clock::{Clock, SystemClock, unix_millis},
    config::Settings,
    partners::{PartnerError, Partners, keys::AddedKey},
    sandbox,
    sealing::Sealer,
    sessions::Sessions,
    startup::{Application, shutdown_signal},
    storage, telemetry,
};

#[derive(Debug, Parser)]
#[command(
    name = "okno",
    version,
    about = "Gosuslugi services inside any website"
)]
pub struct Cli {
    /// A TOML settings file (see README); `OKNO_…` environment variables override it.
    #[arg(long, env = "OKNO_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway (the default).
    Serve,
    /// Run only the sandbox portal, standalone.
    SandboxPortal {
        #[arg(long, default_value = "127.0.0.1:4000")]
        addr: SocketAddr,
    },
    /// Manage partners.
    #[command(subcommand)]
    Partner(PartnerCommand),
    /// Check and read the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage the keys okno signs its tokens with.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Show the alerts anomaly rules raised (blocked keys and addresses).
    Alerts {
        /// How far back, in hours.
        #[arg(long, default_value_t = 24)]
        hours: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Add a signing key: published in the JWKS at once, signing after `--publish-ahead`
    /// seconds; the current keys retire once their last tokens have expired.
    Rotate {
        #[arg(long, default_value_t = 3_600)]
        publish_ahead: i64,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ModeArg {
    Test,
    Live,
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::Test => Mode::Test,
            ModeArg::Live => Mode::Live,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first broken link (exit status 1 when broken).
    Verify,
    /// Print the records since a time, one JSON object per line.
    Export {
        /// RFC 3339 time, e.g. 2026-11-27T00:00:00Z; all records when absent.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Create a partner with a test and a live publishable key.
    Create {
        #[arg(long)]
        name: String,
        /// An origin allowed to embed the widget, e.g. https://shop.example (repeatable).
        #[arg(long = "origin")]
        origins: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List partners with their origins and keys.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a publishable key (`pk_…`) or a signing key (`key_…`); the next request with it
    /// is refused.
    RevokeKey { key: String },
    /// Issue a new HMAC secret key; the partner's current keys of that mode keep verifying
    /// for `--overlap-hours`, then expire.
    RotateSecret {
        #[arg(long)]
        partner: String,
        #[arg(long, value_enum)]
        mode: ModeArg,
        #[arg(long, default_value_t = 24)]
        overlap_hours: i64,
        #[arg(long)]
        json: bool,
    },
    /// Register the partner's Ed25519 public key (base64 of 32 bytes, or a PEM file with
    /// `@path`) instead of a shared secret; current keys of that mode expire after the overlap.
    AddPublicKey {
        #[arg(long)]
        partner: String,
        #[arg(long, value_enum)]
        mode: ModeArg,
        #[arg(long)]
        public_key: String,
        #[arg(long, default_value_t = 24)]
        overlap_hours: i64,
        #[arg(long)]
        json: bool,
    },
    /// Set the networks (CIDR) the partner's Partner API calls may come from; none: anywhere.
    Networks {
        #[arg(long)]
        partner: String,
        cidrs: Vec<String>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(&settings.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::SandboxPortal { addr } => {
            let (bound, _portal, task) =
                sandbox::spawn(addr, Arc::new(SystemClock), settings.sandbox_step()).await?;
            println!("okno sandbox portal listening on http://{bound}");
            tokio::select! {
                () = shutdown_signal() => {},
                result = task => result?,
            }
            Ok(())
        }
        Command::Partner(command) => partner(settings, command).await,
        Command::Audit(command) => audit(settings, command).await,
        Command::Tokens(TokensCommand::Rotate { publish_ahead }) => {
            rotate_tokens(settings, publish_ahead).await
        }
        Command::Alerts { hours, json } => alerts(settings, hours, json).await,
    }
}

/// Who runs an operator command, as the audit log names them.
fn operator() -> String {
    format!(
        "operator:cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
    )
}

async fn audit(settings: Settings, command: AuditCommand) -> anyhow::Result<()> {
    let storage = storage::connect(&settings.database_url())
        .await
        .context("cannot open the database or run its migrations")?;
    match command {
        AuditCommand::Verify => match audit::verify(&storage).await? {
            Ok(checked) => {
                println!("audit log intact: {checked} records");
                Ok(())
            }
            Err(broken) => {
                println!("audit log broken at {broken}");
                std::process::exit(1);
            }
        },
        AuditCommand::Export {
            since,
            format: ExportFormat::Jsonl,
        } => {
            let since = match since {
                Some(text) => {
                    let at = time::OffsetDateTime::parse(
                        &text,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .with_context(|| format!("--since {text:?} is not an RFC 3339 time"))?;
                    unix_millis(at)
                }
                None => i64::MIN,
            };
            let mut after = 0;
            loop {
                let page = storage.audit_page(after, 1_000).await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for record in page.iter().filter(|r| r.draft.at >= since) {
                    println!("{}", serde_json::to_string(record)?);
                }
            }
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(settings = %serde_json::to_string(&settings)?, "starting okno");
    let app = Application::build(&settings, Arc::new(SystemClock)).await?;
    println!("okno listening on {}", app.base_url());
    if settings.sandbox && settings.demo_partner {
        println!("sandbox page: {}", app.sandbox_page().await?);
    }
    app.run_until(shutdown_signal())
        .await
        .context("server failed")
}

async fn partner(settings: Settings, command: PartnerCommand) -> anyhow::Result<()> {
    let storage = storage::connect(&settings.database_url())
        .await
        .context("cannot open the database or run its migrations")?;
    let sealer = Arc::new(Sealer::from_key_file(&settings.encryption_key_file())?);
    let partners = Partners::new(storage.clone(), Arc::new(SystemClock), sealer);
    let (log, _writer) = AuditLog::start(storage, Arc::new(SystemClock));
    // Each change is recorded, durably, before its result is printed.
    let record = async |action: &str, target: String, outcome: Outcome| {
        log.record(AuditEvent::new(operator(), action, target, outcome))
            .await
    };
    let outcome_of = |error: Option<&PartnerError>| match error {
        None => Outcome::Ok,
        Some(error) => Outcome::Refused(error.code().to_owned()),
    };
    match command {
        PartnerCommand::Create {
            name,
            origins,
            json,
        } => {
            let result = partners.create(&name, &origins).await;
            let target = result
                .as_ref()
                .map_or_else(|_| name.clone(), |created| created.id.clone());
            record("partner.create", target, outcome_of(result.as_ref().err())).await?;
            let created = result?;
            if json {
                println!("{}", serde_json::to_string_pretty(&created)?);
            } else {
                println!("partner {} ({})", created.id, created.name);
                println!("  origins: {}", created.origins.join(" "));
                println!("  test publishable key: {}", created.publishable_key_test);
                println!("  live publishable key: {}", created.publishable_key_live);
                println!(
                    "  test secret key (shown once): {} {}",
                    created.key_id_test, created.secret_key_test
                );
                println!(
                    "  live secret key (shown once): {} {}",
                    created.key_id_live, created.secret_key_live
                );
            }
        }
        PartnerCommand::List { json } => {
            let all = partners.list().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for p in all {
                    let keys: Vec<String> = p
                        .keys
                        .iter()
                        .map(|k| {
                            format!(
                                "{}{}",
                                k.key,
                                if k.revoked_at.is_some() {
                                    " (revoked)"
                                } else {
                                    ""
                                }
                            )
                        })
                        .collect();
                    println!(
                        "{}\t{}\t{}\t{}",
                        p.id,
                        p.name,
                        p.origins.join(","),
                        keys.join(",")
                    );
                }
            }
        }
        PartnerCommand::RevokeKey { key } => {
            let result = if key.starts_with("key_") {
                partners.revoke_secret_key(&key).await
            } else {
                partners.revoke_key(&key).await
            };
            record(
                "partner.revoke_key",
                key.clone(),
                outcome_of(result.as_ref().err()),
            )
            .await?;
            result?;
            println!("revoked {key}");
        }
        PartnerCommand::RotateSecret {
            partner,
            mode,
            overlap_hours,
            json,
        } => {
            let overlap = time::Duration::hours(overlap_hours.max(0));
            let result = partners
                .rotate_secret_key(&partner, mode.into(), overlap)
                .await;
            let target = result
                .as_ref()
                .map_or_else(|_| partner.clone(), |k| k.key_id.clone());
            record(
                "partner.rotate_secret",
                target,
                outcome_of(result.as_ref().err()),
            )
            .await?;
            print_added_key(&result?, json)?;
        }
        PartnerCommand::AddPublicKey {
            partner,
            mode,
            public_key,
            overlap_hours,
            json,
        } => {
            let text = match public_key.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the public key file {path}"))?,
                None => public_key,
            };
            let overlap = time::Duration::hours(overlap_hours.max(0));
            let result = partners
                .register_public_key(&partner, mode.into(), &text, overlap)
                .await;
            let target = result
                .as_ref()
                .map_or_else(|_| partner.clone(), |k| k.key_id.clone());
            record(
                "partner.add_public_key",
                target,
                outcome_of(result.as_ref().err()),
            )
            .await?;
            print_added_key(&result?, json)?;
        }
        PartnerCommand::Networks { partner, cidrs } => {
            let result = partners.set_networks(&partner, &cidrs).await;
            record(
                "partner.set_networks",
                partner.clone(),
                outcome_of(result.as_ref().err()),
            )
            .await?;
            let networks = result?;
            if networks.is_empty() {
                println!("{partner}: Partner API calls accepted from any address");
            } else {
                println!(
                    "{partner}: Partner API calls accepted from {}",
                    networks.join(" ")
                );
            }
        }
    }
    Ok(())
}

fn print_added_key(key: &AddedKey, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(key)?);
        return Ok(());
    }
    println!(
        "{} key {} for {} ({})",
        key.algorithm,
        key.key_id,
        key.partner_id,
        key.mode.as_str()
    );
    if let Some(secret) = &key.secret_key {
        println!("  secret key (shown once): {secret}");
    }
    if let Some(at) = key.previous_keys_expire_at {
        println!("  previous keys of this mode stop verifying at {at} (unix ms)");
    }
    Ok(())
}

async fn rotate_tokens(settings: Settings, publish_ahead: i64) -> anyhow::Result<()> {
    let storage = storage::connect(&settings.database_url())
        .await
        .context("cannot open the database or run its migrations")?;
    let sealer = Arc::new(Sealer::from_key_file(&settings.encryption_key_file())?);
    let issuer = settings.public_base(settings.addr);
    let sessions = Sessions::start(storage.clone(), sealer, Arc::new(SystemClock), issuer).await?;
    let (log, _writer) = AuditLog::start(storage, Arc::new(SystemClock));
    let result = sessions.rotate_signing_key(publish_ahead).await;
    let outcome = match &result {
        Ok(_) => Outcome::Ok,
        Err(error) => Outcome::Failed(error.code().to_owned()),
    };
    let target = result
        .as_ref()
        .map_or_else(|_| "signing_key".to_owned(), |k| k.kid.clone());
    log.record(AuditEvent::new(
        operator(),
        "tokens.rotate",
        target,
        outcome,
    ))
    .await?;
    let rotated = result?;
    println!(
        "signing key {} published; signs from {} (unix s); previous keys retire at {}",
        rotated.kid, rotated.signs_from, rotated.previous_keys_retire_at
    );
    Ok(())
}

async fn alerts(settings: Settings, hours: i64, json: bool) -> anyhow::Result<()> {
    let storage = storage::connect(&settings.database_url())
        .await
        .context("cannot open the database or run its migrations")?;
    let since = unix_millis(SystemClock.now()) - hours.max(0) * 3_600_000;
    let alerts = storage.alerts(since).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&alerts)?);
    } else if alerts.is_empty() {
        println!("no alerts in the last {hours} h");
    } else {
        for alert in alerts {
            println!(
                "{}\t{}\t{}\tblocked until {}\t{}",
                alert.raised_at, alert.rule, alert.subject, alert.blocked_until, alert.detail
            );
        }
    }
    Ok(())
}
