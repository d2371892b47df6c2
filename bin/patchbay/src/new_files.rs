//! The files a command may create on disk (the SQLite database, the
//! development key file, their directories), so that a command or start
//! that fails removes what it created and leaves nothing new behind.

use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;

use crate::setting_values::sqlite_path;
use crate::settings::Settings;

/// Which of the files these settings name did not exist when it was made.
#[derive(Debug)]
pub struct NewFiles {
    files: Vec<PathBuf>,
    /// Directories that did not exist, deepest first.
    dirs: Vec<PathBuf>,
}

impl NewFiles {
    /// Notes the files these settings name that do not exist yet.
    pub fn watch(settings: &Settings) -> Self {
        let mut candidates = Vec::new();
        if let Some(db) = sqlite_path(settings.database.url.expose_secret())
            && !db.exists()
        {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut name = db.clone().into_os_string();
                name.push(suffix);
                candidates.push(PathBuf::from(name));
            }
            // A development key generated beside a new database is removed
            // with it. With a database that already exists (or Postgres),
            // the key is kept once written: something may be sealed with it.
            candidates.push(settings.secrets.dev_key_file.clone());
        }
        let mut new = Self {
            files: Vec::new(),
            dirs: Vec::new(),
        };
        for path in candidates {
            if path.exists() {
                continue;
            }
            let mut dir = path.parent();
            while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
                if !new.dirs.iter().any(|known| known == d) {
                    new.dirs.push(d.to_path_buf());
                }
                dir = d.parent();
            }
            new.files.push(path);
        }
        new.dirs
            .sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        new
    }

    /// The command failed: removes the noted files it created, and the
    /// directories it created if they are empty.
    pub fn remove(self) {
        for file in &self.files {
            remove(file, |p| std::fs::remove_file(p));
        }
        for dir in &self.dirs {
            remove(dir, |p| std::fs::remove_dir(p));
        }
    }
}

fn remove(path: &Path, how: fn(&Path) -> std::io::Result<()>) {
    match how(path) {
        Ok(()) => tracing::debug!(path = %path.display(), "removed after a failed start"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        // Not empty (something else wrote there), or not ours to remove.
        Err(e) => tracing::debug!(path = %path.display(), error = %e, "left in place"),
    }
}
