//! The web console at `/console`: plain HTML, CSS and JavaScript modules
//! compiled into the binary (the files under `crates/api/console/`), so a
//! browser needs nothing but this service. The console is a client of the
//! public API like any other: it holds no privileged path, and its pages
//! call `/api/...` with the key a person signs in with.
//!
//! Every answer under `/console` carries the security headers: a
//! Content-Security-Policy that allows scripts, styles, images and requests
//! from this origin only (no inline script or style, no `eval`, DOM sinks
//! behind Trusted Types, no framing), `Referrer-Policy: no-referrer`, and
//! `nosniff`. Files are revalidated on each load (`no-cache` with a
//! content `ETag`, so an unchanged file costs a `304`): their names carry no
//! version, and a new binary must never run against a stale script.

use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use crate::problem::{ApiError, ProblemKind};

/// Where the console is served.
pub const CONSOLE_PATH: &str = "/console";
/// The route of the console's files (named, so that its metrics label
/// reads `/console/{file}`).
pub(crate) const CONSOLE_FILES: &str = "/console/{file:.*}";

/// The policy of every console answer. `require-trusted-types-for` makes
/// any string reaching an HTML sink (`innerHTML`, …) throw: the console
/// builds its DOM from nodes and text only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; \
    base-uri 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; \
    trusted-types 'none'";

struct Asset {
    /// Relative to `/console/`; `""` is the page itself.
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $file:literal, $content_type:expr) => {
        Asset {
            path: $path,
            content_type: $content_type,
            body: include_bytes!(concat!("../console/", $file)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the console (a test checks that each file under
/// `crates/api/console/` is listed).
const ASSETS: &[Asset] = &[
    asset!("", "index.html", "text/html; charset=utf-8"),
    asset!("console.css", "console.css", "text/css; charset=utf-8"),
    asset!("icon.svg", "icon.svg", "image/svg+xml"),
    asset!("js/main.js", "js/main.js", JS),
    asset!("js/api.js", "js/api.js", JS),
    asset!("js/dom.js", "js/dom.js", JS),
    asset!("js/format.js", "js/format.js", JS),
    asset!("js/schema-form.js", "js/schema-form.js", JS),
    asset!("js/session.js", "js/session.js", JS),
    asset!("js/views/sign-in.js", "js/views/sign-in.js", JS),
    asset!("js/views/integrations.js", "js/views/integrations.js", JS),
    asset!("js/views/integration.js", "js/views/integration.js", JS),
    asset!("js/views/editor.js", "js/views/editor.js", JS),
    asset!("js/views/deliveries.js", "js/views/deliveries.js", JS),
    asset!("js/views/audit.js", "js/views/audit.js", JS),
];

/// Each asset's entity tag: a hash of its bytes, computed once.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let mut h = std::hash::DefaultHasher::new();
            a.body.hash(&mut h);
            format!("\"{:016x}\"", h.finish())
        })
        .collect()
});

/// The paths of the files compiled in (for tests).
pub fn asset_paths() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|a| a.path)
}

fn secured(mut res: HttpResponseBuilder) -> HttpResponseBuilder {
    res.insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header(("Cross-Origin-Opener-Policy", "same-origin"))
        .insert_header(("Cross-Origin-Resource-Policy", "same-origin"))
        .insert_header((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        ));
    res
}

/// `/console` → `/console/`, so that the page's relative links resolve.
pub(crate) async fn redirect() -> HttpResponse {
    secured(HttpResponse::PermanentRedirect())
        .insert_header((header::LOCATION, format!("{CONSOLE_PATH}/")))
        .finish()
}

fn matches(if_none_match: &HeaderValue, etag: &str) -> bool {
    if_none_match.to_str().is_ok_and(|v| {
        v.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*")
    })
}

/// One file of the console; `304` when the client's copy is current.
pub(crate) async fn file(req: HttpRequest) -> HttpResponse {
    let path = req.match_info().get("file").unwrap_or_default();
    let Some(at) = ASSETS.iter().position(|a| a.path == path) else {
        let problem = ApiError::new(ProblemKind::NotFound, "No such console file.").to_response();
        let mut res = secured(HttpResponse::build(problem.status()));
        for (name, value) in problem.headers() {
            res.insert_header((name.clone(), value.clone()));
        }
        return res.body(problem.into_body());
    };
    let asset = &ASSETS[at];
    let etag = &ETAGS[at];
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| matches(v, etag))
    {
        return secured(HttpResponse::NotModified())
            .insert_header((header::ETAG, etag.as_str()))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .finish();
    }
    secured(HttpResponse::Ok())
        .content_type(asset.content_type)
        .insert_header((header::ETAG, etag.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(asset.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_under_the_console_directory_is_served() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("console");
        let mut files = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let rel = path.strip_prefix(&root).unwrap().to_string_lossy();
                    files.push(if rel == "index.html" {
                        String::new()
                    } else {
                        rel.replace('\\', "/")
                    });
                }
            }
        }
        files.sort();
        let mut listed: Vec<String> = asset_paths().map(str::to_string).collect();
        listed.sort();
        assert_eq!(files, listed);
    }

    #[test]
    fn entity_tags_are_distinct_and_matched_in_lists() {
        let mut tags = ETAGS.clone();
        tags.sort();
        tags.dedup();
        assert_eq!(tags.len(), ASSETS.len());
        let tag = &ETAGS[0];
        let list = HeaderValue::from_str(&format!("\"x\", W/{tag}")).unwrap();
        assert!(matches(&list, tag));
        assert!(!matches(&HeaderValue::from_static("\"x\""), tag));
    }
}
