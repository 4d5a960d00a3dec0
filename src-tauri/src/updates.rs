//! Software updates from the hall's update server (its address and the minisign public key
//! come from provisioning): check, download, and verify the signature before anything is
//! installed. An update whose signature does not verify against the provisioned key is refused
//! and nothing of it is kept.
//!
//! The commands only check the session and make one call; the updater plugin's calls (the
//! part only the app can make) are in [`Server`] and [`Staged`], their failures typed in
//! [`UpdateError`] and mapped to the screen's codes in one place.

use crate::commands::signed_in;
use crate::config::Config;
use crate::{AppState, CommandError};
use countersign_views::UpdateView;
use std::sync::Mutex;
use std::time::Duration;
use tauri::{AppHandle, State};
use tauri_plugin_updater::UpdaterExt;

/// How long a check or a download may take.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Why there is no update to show or to install.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The hall's bundle names no update server (or no key to check updates with).
    #[error("no update server is provisioned for this hall")]
    NotProvisioned,
    /// The provisioned server address is not a URL.
    #[error("{url}: {why}")]
    Address {
        /// The address as provisioned.
        url: String,
        /// Why it is not a URL.
        why: String,
    },
    /// What the updater said: the server unreachable, its answer unusable, the update's
    /// signature not the provisioned key's.
    #[error(transparent)]
    Updater(#[from] tauri_plugin_updater::Error),
    /// No update was checked and verified since the app started.
    #[error("no verified update is waiting")]
    NothingStaged,
    /// A thread panicked while holding the verified update.
    #[error("update state unusable")]
    State,
}

impl From<UpdateError> for CommandError {
    fn from(e: UpdateError) -> Self {
        use tauri_plugin_updater::Error as E;
        let message = e.to_string();
        match e {
            UpdateError::NotProvisioned | UpdateError::NothingStaged => {
                CommandError::new("update.none", message)
            }
            UpdateError::Updater(E::Minisign(_) | E::SignatureUtf8(_) | E::Base64(_)) => {
                CommandError::new("update.signature", message)
            }
            UpdateError::Updater(E::Reqwest(_) | E::Network(_)) => {
                CommandError::new("update.unreachable", message)
            }
            UpdateError::Address { .. } | UpdateError::Updater(_) => {
                CommandError::new("update.manifest", message)
            }
            UpdateError::State => CommandError::new("internal", message),
        }
    }
}

/// The hall's update server as provisioned: its manifest's address and the minisign key its
/// updates must be signed with.
struct Server {
    url: tauri::Url,
    key: String,
}

impl Server {
    fn provisioned(config: &Config) -> Result<Self, UpdateError> {
        let (Some(url), Some(key)) = (&config.update_url, &config.update_pubkey) else {
            return Err(UpdateError::NotProvisioned);
        };
        let parsed = url.parse().map_err(|e| UpdateError::Address {
            url: url.clone(),
            why: format!("{e}"),
        })?;
        Ok(Self {
            url: parsed,
            key: key.clone(),
        })
    }

    /// A version newer than the running one, downloaded and verified (the plugin's download
    /// checks the signature against the key before it returns), or `None`.
    async fn newer(&self, app: &AppHandle) -> Result<Option<Staged>, UpdateError> {
        let updater = app
            .updater_builder()
            .endpoints(vec![self.url.clone()])
            .and_then(|b| b.pubkey(self.key.clone()).timeout(TIMEOUT).build())?;
        let Some(update) = updater.check().await? else {
            return Ok(None);
        };
        let bytes = update.download(|_, _| {}, || {}).await.inspect_err(|e| {
            tracing::warn!(version = %update.version, error = %e, "update refused");
        })?;
        tracing::info!(version = %update.version, size = bytes.len(), "update downloaded and verified");
        Ok(Some(Staged { update, bytes }))
    }
}

/// A verified update, kept until it is installed.
pub struct Staged {
    update: tauri_plugin_updater::Update,
    bytes: Vec<u8>,
}

impl Staged {
    fn view(&self, current: String) -> UpdateView {
        UpdateView::verified(
            current,
            self.update.version.clone(),
            self.update.body.clone(),
            self.bytes.len(),
        )
    }

    /// Keeps it for `install_update`, in place of any update kept before.
    fn keep(self, slot: &Mutex<Option<Staged>>) -> Result<(), UpdateError> {
        *slot.lock().map_err(|_| UpdateError::State)? = Some(self);
        Ok(())
    }

    /// The update kept, taken out of `slot`.
    fn take(slot: &Mutex<Option<Staged>>) -> Result<Self, UpdateError> {
        slot.lock()
            .map_err(|_| UpdateError::State)?
            .take()
            .ok_or(UpdateError::NothingStaged)
    }

    fn install(self) -> Result<(), UpdateError> {
        Ok(self.update.install(&self.bytes)?)
    }
}

/// Asks the hall's server for a newer version; one that downloads and verifies is kept in
/// `state` for [`install_update`].
async fn check(app: &AppHandle, state: &AppState, by: &str) -> Result<UpdateView, UpdateError> {
    let current = app.package_info().version.to_string();
    let Some(staged) = Server::provisioned(&state.config)?.newer(app).await? else {
        tracing::info!(%by, %current, "update check: up to date");
        return Ok(UpdateView::current(current));
    };
    let view = staged.view(current);
    staged.keep(&state.staged_update)?;
    Ok(view)
}

/// Asks the update server for a newer version; downloads and verifies it when there is one.
#[tauri::command]
pub async fn check_update(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<UpdateView, CommandError> {
    let who = signed_in(&state)?;
    Ok(check(&app, &state, &who.account.id).await?)
}

/// Installs the verified update and restarts the app (on Linux the package manager asks for
/// an administrator: counter PCs are normally updated by IT's fleet tools instead).
#[tauri::command]
pub async fn install_update(app: AppHandle) -> Result<(), CommandError> {
    let handle = app.clone();
    crate::worker::run(app, |state| {
        signed_in(state)?;
        Ok(Staged::take(&state.staged_update).and_then(Staged::install)?)
    })
    .await?;
    handle.restart();
}
