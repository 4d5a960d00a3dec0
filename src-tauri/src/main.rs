//! The `countersign-app` binary: starts the counter clerk's desktop app.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    countersign_app::run();
}
