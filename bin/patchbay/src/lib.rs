//! The Patchbay service as a library: settings, the app factory and the
//! subcommands, so tests drive the same code `main` runs.

pub mod app;
pub mod bootstrap;
pub mod cli;
pub mod delivery_settings;
pub mod keys;
pub mod logging;
pub mod new_files;
pub mod provisioning;
pub mod setting_values;
pub mod settings;
pub mod shutdown;
