//! The counter clerk's desktop app: a Tauri 2 shell over `countersign-station`. Each command
//! is a few lines that call the same use case the `countersign` CLI runs (verify, then record
//! in the hall's log) and turn errors into `{code, message}` for the screen. State lives in
//! Tauri's managed state, not in globals; the chain is reached from Rust only.

mod camera;
mod commands;
mod config;
mod printing;
mod receipts;
mod serial;
mod setup;
mod status;
mod supervisor;
mod updates;
mod window;
mod worker;

pub use config::Config;

use countersign_mirror::Follower;
use countersign_staff::Staff;
use countersign_station::desk::Desk;
use countersign_station::{ChainSource, Counter, Identity, Station};
use std::sync::{Arc, Mutex};
use tauri::Manager;

/// The app's managed state.
pub struct AppState {
    /// The counter: chain source, policy, log. One verification at a time, as at a counter.
    pub counter: Mutex<Counter>,
    /// The configuration started with.
    pub config: Config,
    /// The screen's language.
    pub language: Mutex<String>,
    /// What the status bar says about the chain at start.
    pub chain_note: String,
    /// The staff who may sign in, and who is signed in.
    pub desk: Desk,
    /// Keeps the hall's mirror up to date while a node is configured.
    pub follower: Option<Follower>,
    /// Anchors the log's newest checkpoint on the registry while a station account is set up.
    pub anchorer: Option<countersign_station::Anchorer>,
    /// The serial scanner's state for the status bar (`None`: none configured).
    pub serial_status: Arc<Mutex<Option<String>>>,
    /// The serial scanner's reader, stopped when the app ends.
    pub serial: Mutex<Option<countersign_serial_scanner::SerialScanner>>,
    /// The hall's device key (signs receipts), or why it cannot be used.
    pub hall_key: Result<countersign_hallkey::HallKey, String>,
    /// The receipt printer (`Ok(None)`: none set up), or why its configuration is unusable.
    pub printing: Result<Option<printing::Printing>, String>,
    /// The fonts receipts are drawn with (previews).
    pub fonts: std::sync::Arc<countersign_printdoc::fonts::Fonts>,
    /// An update downloaded and verified, waiting to be installed.
    pub staged_update: Mutex<Option<updates::Staged>>,
    /// The supervisor's console: its read-only connections to the log, where exports go.
    pub review: supervisor::Review,
    /// How many verdicts have been shown (each view's id).
    pub shown: std::sync::atomic::AtomicU64,
    /// The verdict on screen and its sensitive values, held here until the clerk reveals them.
    pub on_screen: Mutex<Option<OnScreen>>,
    /// The clerk is on the receipt-checking screen: what a serial scanner reads is a receipt.
    pub receipt_mode: std::sync::atomic::AtomicBool,
}

/// A verdict's sensitive fields' whole values, by key.
pub type Sensitive = Vec<(String, String)>;

/// The verdict on the screen, as far as revealing goes.
#[derive(Debug)]
pub struct OnScreen {
    /// The view's id.
    pub id: u64,
    /// Its log entry, when it was logged.
    pub seq: Option<u64>,
    /// The sensitive fields' whole values, by key.
    pub sensitive: Sensitive,
}

impl AppState {
    /// The sensitive values of verdict `id`, the one on the clerk's screen, and its log entry;
    /// `reveal.gone` once another verdict replaced it.
    pub fn shown(&self, id: u64) -> Result<(Option<u64>, Sensitive), CommandError> {
        let on_screen = self
            .on_screen
            .lock()
            .map_err(|_| CommandError::new("internal", "screen state unusable"))?;
        match on_screen.as_ref() {
            Some(shown) if shown.id == id => Ok((shown.seq, shown.sensitive.clone())),
            _ => Err(CommandError::new(
                "reveal.gone",
                "that verdict is no longer on the screen",
            )),
        }
    }

    /// The hall-local day now.
    pub fn today(&self) -> chrono::NaiveDate {
        self.config
            .clock
            .now()
            .with_timezone(&self.config.utc_offset)
            .date_naive()
    }

    /// The hall keys whose signed days this counter trusts: its own.
    pub fn trusted_hall_keys(&self) -> Vec<countersign_hallkey::PublicKey> {
        self.hall_key.iter().map(|k| k.public()).collect()
    }
}

/// A failure as the screen receives it.
#[derive(Debug, serde::Serialize)]
pub struct CommandError {
    /// A stable code the screen maps to a message key.
    pub code: &'static str,
    /// Detail, in English, for IT.
    pub message: String,
}

impl CommandError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

fn chain_source(config: &Config) -> Result<(Option<ChainSource>, String), String> {
    if let Some(path) = &config.snapshot {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value = countersign_jcs::parse_strict_with(
            &bytes,
            &countersign_jcs::Limits {
                max_depth: 32,
                max_bytes: 256 * 1024 * 1024,
            },
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        let state = countersign_chainstate::snapshot::from_json(&value)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok((
            Some(ChainSource::fixed(state)),
            format!("registry snapshot {}", path.display()),
        ));
    }
    let Some(registry) = &config.registry else {
        return Ok((None, "no chain configured".into()));
    };
    let registry: countersign_credential::RegistryRef = registry
        .parse()
        .map_err(|e| format!("COUNTERSIGN_REGISTRY {registry:?}: {e}"))?;
    let options = countersign_chain::RpcOptions {
        timeout: std::time::Duration::from_secs(3),
        attempts: 1,
        chain_hash: config.chain_hash,
        ..countersign_chain::RpcOptions::default()
    };
    let mirror = config.mirror_path();
    let mut source = ChainSource::new(
        config.rpc.clone(),
        registry,
        Some(&mirror),
        options,
        config.head_policy.clone(),
    )
    .map_err(|e| e.to_string())?;
    if !config.chain_proofs {
        source = source.without_proofs();
    }
    let note = if source.is_online() {
        format!("online {registry}")
    } else {
        format!("offline, mirror {}", mirror.display())
    };
    Ok((Some(source), note))
}

/// Starts syncing the hall's mirror in the background (the first round at once), on Tauri's
/// Tokio runtime. The counter reads the same file through its own connection.
/// Starts anchoring the log's checkpoints from the hall's station account, on its own thread
/// (the first at once), when a node, the registry and the account key are configured.
fn anchorer(config: &Config) -> Option<countersign_station::Anchorer> {
    let registry: countersign_credential::RegistryRef = config.registry.as_ref()?.parse().ok()?;
    let path = config.station_account_key_path()?;
    let account = std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|text| {
            countersign_chain::Wallet::from_key_file(&text).map_err(|e| e.to_string())
        });
    let account = match account {
        Ok(account) => account,
        Err(e) => {
            tracing::error!(
                "station account key {}: {e}; checkpoints are not anchored",
                path.display()
            );
            return None;
        }
    };
    let options = countersign_chain::RpcOptions {
        timeout: std::time::Duration::from_secs(10),
        attempts: 1,
        chain_hash: config.chain_hash,
        ..countersign_chain::RpcOptions::default()
    };
    countersign_station::spawn_anchorer(
        config.rpc.clone(),
        registry,
        config.log_path(),
        account,
        options,
        std::time::Duration::from_secs(config.anchor_interval_secs),
    )
}

fn follower(config: &Config) -> Option<Follower> {
    let registry: countersign_credential::RegistryRef = config.registry.as_ref()?.parse().ok()?;
    if config.snapshot.is_some() {
        return None;
    }
    let options = countersign_chain::RpcOptions {
        timeout: std::time::Duration::from_secs(5),
        attempts: 1,
        chain_hash: config.chain_hash,
        ..countersign_chain::RpcOptions::default()
    };
    let path = config.mirror_path();
    let interval = std::time::Duration::from_secs(config.sync_interval_secs);
    let endpoints = config.rpc.clone();
    let policy = config.head_policy.clone();
    tauri::async_runtime::block_on(async move {
        countersign_station::spawn_follower(
            &endpoints,
            registry,
            path,
            options,
            countersign_mirror::SyncOptions::default(),
            policy,
            interval,
        )
    })
}

fn setup(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::load();
    std::fs::create_dir_all(&config.data_dir)?;
    // Every library's events to the size-capped, rotating diagnostic file in the data folder.
    if let Err(e) = countersign_tracefile::init(&config.data_dir, "COUNTERSIGN_LOG_LEVEL") {
        eprintln!(
            "countersign-app: no diagnostic file in {}: {e}",
            config.data_dir.display()
        );
    }
    let (chain, chain_note) = match chain_source(&config) {
        Ok(x) => x,
        Err(e) => {
            tracing::error!("chain configuration: {e}");
            (None, format!("chain configuration error: {e}"))
        }
    };
    // Nobody is signed in yet: the counter refuses to verify until a clerk is.
    let identity = Identity {
        hall: config.hall.clone(),
        counter: config.counter.clone(),
        clerk: String::new(),
    };
    // A new hall key is made with the algorithm of the profile the hall signs with (the
    // bundle's `crypto.profile`); an existing key is kept whatever it is, and the station
    // says when it is not the profile's.
    let hall_key = countersign_hallkey::HallKey::load_or_create(
        &config.hall_key_path(),
        &config.hall,
        config.algorithms.signs_with().sig(),
    )
    .map(|(key, created)| {
        if created {
            tracing::info!(key = %key.public_hex(), "hall key created; register it with the chain");
        }
        key
    })
    .map_err(|e| {
        tracing::error!("hall key: {e}");
        e.to_string()
    });
    let log = Station::open_with(
        config.log_path(),
        identity,
        config.privacy.clone(),
        config.algorithms,
        config.clock.now(),
    )
    .map(|station| {
        let station = station.with_utc_offset(config.utc_offset);
        // The app closes and signs each ended day by itself, at start and at the first
        // verification of a new day (a hall that never runs the CLI still has signed days).
        match &hall_key {
            Ok(key) if key.hall() == config.hall => {
                station.closing_days_with(key.hall(), key.signing_key().clone(), config.clock.now())
            }
            _ => station,
        }
    })
    .map_err(|e| {
        tracing::error!("verification log: {e}");
        e.to_string()
    });
    let policy = countersign_verify::VerificationPolicy {
        max_chain_age: chrono::Duration::hours(config.max_chain_age_hours),
        fail_closed_when_stale: config.fail_closed,
        algorithms: config.algorithms,
        ..countersign_verify::VerificationPolicy::default()
    };
    tracing::info!(
        hall = %config.hall,
        counter = %config.counter,
        data_dir = %config.data_dir.display(),
        chain = %chain_note,
        "counter ready"
    );
    // PINs set in the app (a supervisor resetting one) are stored as the hall's profile says.
    let staff = Staff::open(config.staff_path())
        .map(|s| s.with_profile(config.algorithms.signs_with()))
        .map_err(|e| {
            tracing::error!("staff accounts: {e}");
            format!("{}: {e}", config.staff_path().display())
        });
    let printing = printing::start(&config, app.handle().clone()).inspect_err(|e| {
        tracing::error!("receipt printer: {e}");
    });
    let follower = follower(&config);
    let anchorer = anchorer(&config);
    let serial_status = Arc::new(Mutex::new(None));
    let serial = serial::start(&config, app.handle().clone(), Arc::clone(&serial_status));
    if let Some(window) = app.get_webview_window("main") {
        camera::enable_media_stream(&window);
        window::restore(&window, &config.data_dir);
    }
    let review = supervisor::Review::new(config.log_path(), &config.data_dir, config.algorithms);
    let desk = Desk::new(staff, config.idle_lock(), config.clock);
    app.manage(AppState {
        counter: Mutex::new(Counter::new(chain, policy, log)),
        language: Mutex::new(config.language.clone()),
        config,
        chain_note,
        desk,
        follower,
        anchorer,
        serial_status,
        serial: Mutex::new(serial),
        hall_key,
        printing,
        fonts: std::sync::Arc::new(countersign_printdoc::fonts::Fonts::default()),
        staged_update: Mutex::new(None),
        review,
        shown: std::sync::atomic::AtomicU64::new(0),
        on_screen: Mutex::new(None),
        receipt_mode: std::sync::atomic::AtomicBool::new(false),
    });
    Ok(())
}

/// Starts the app.
pub fn run() {
    // WebKitGTK's accelerated compositing costs the web process about 80 MB resident (measured:
    // PSS 194 → 116 MB) for nothing a counter screen needs; COUNTERSIGN_GPU=1 keeps it. Set
    // before any thread exists, as the web process reads it when it is spawned.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none()
        && std::env::var("COUNTERSIGN_GPU").as_deref() != Ok("1")
    {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(setup)
        .on_window_event(|window, event| {
            if let Some(state) = window.try_state::<AppState>() {
                window::remember(window, event, &state.config.data_dir);
            }
        })
        // The camera only: the webview asks, the clerk already chose to scan with it.
        .on_permission_request(|_, kind| match kind {
            tauri::webview::PermissionKind::Camera => tauri::webview::PermissionResponse::Allow,
            _ => tauri::webview::PermissionResponse::Deny,
        })
        .invoke_handler(tauri::generate_handler![
            commands::scan_text,
            commands::scan_image,
            commands::decode_frame,
            commands::app_status,
            commands::set_language,
            commands::set_receipt_mode,
            commands::sign_in,
            commands::sign_out,
            commands::still_here,
            commands::today_history,
            receipts::print_receipt,
            receipts::print_job,
            receipts::receipt_preview,
            receipts::printer_panel,
            receipts::retry_print,
            receipts::cancel_print,
            receipts::print_test_page,
            supervisor::review_overview,
            supervisor::review_page,
            supervisor::review_entry,
            supervisor::review_search,
            supervisor::review_integrity,
            supervisor::review_export,
            supervisor::review_policy,
            supervisor::reveal,
            setup::apply_bundle,
            setup::choose_counter,
            setup::restart_app,
            updates::check_update,
            updates::install_update,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("countersign-app: {e}");
        std::process::exit(1);
    }
}
