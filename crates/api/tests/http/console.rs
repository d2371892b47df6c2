//! The web console's files: served without a key, each with its content
//! type, the security headers and a revalidating cache; nothing in them
//! names another host. And `GET /api/me`, which the console reads to offer
//! only what a key may do.

use actix_web::test::TestRequest;
use patchbay_api::console::{CONSOLE_PATH, CONTENT_SECURITY_POLICY, asset_paths};
use patchbay_domain::auth::Scope;
use serde_json::json;

use crate::common::{Harness, Reply, call, call_as};

fn console_url(path: &str) -> String {
    format!("{CONSOLE_PATH}/{path}")
}

#[track_caller]
fn assert_secured(r: &Reply) {
    let csp = r.header("content-security-policy").expect("a CSP");
    assert_eq!(csp, CONTENT_SECURITY_POLICY);
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        "style-src 'self';",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
    ] {
        assert!(csp.contains(directive), "{csp} lacks {directive}");
    }
    for forbidden in ["unsafe-inline", "unsafe-eval", "http:", "https:", "*"] {
        assert!(!csp.contains(forbidden), "{csp} allows {forbidden}");
    }
    assert_eq!(r.header("referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
}

#[actix_web::test]
async fn the_console_is_served_without_a_key_with_its_security_headers() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = call(&app, TestRequest::get().uri(CONSOLE_PATH)).await;
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location"), Some(console_url("")));
    assert_secured(&r);

    let r = call(&app, TestRequest::get().uri(&console_url(""))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(r.header("cache-control").as_deref(), Some("no-cache"));
    assert_secured(&r);
    let page = r.text();
    assert!(page.contains(r#"<script type="module" src="js/main.js"></script>"#));
    // No inline script or style: the policy would refuse them.
    assert!(!page.contains("<style"), "{page}");
    assert!(!page.contains("style="), "{page}");
    assert_eq!(page.matches("<script").count(), 1, "{page}");
}

#[actix_web::test]
async fn every_console_file_has_its_type_and_a_revalidating_etag() {
    let h = Harness::new().await;
    let app = h.service().await;
    let mut seen = 0;
    for path in asset_paths() {
        let r = call(&app, TestRequest::get().uri(&console_url(path))).await;
        assert_eq!(r.status, 200, "{path}");
        assert_secured(&r);
        let content_type = r.header("content-type").unwrap();
        let expected = match path.rsplit('.').next().unwrap() {
            "js" => "text/javascript; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            "svg" => "image/svg+xml",
            _ => "text/html; charset=utf-8",
        };
        assert_eq!(content_type, expected, "{path}");
        let etag = r.header("etag").expect("an ETag");
        let again = call(
            &app,
            TestRequest::get()
                .uri(&console_url(path))
                .insert_header(("If-None-Match", etag.as_str())),
        )
        .await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag));
        assert_secured(&again);
        seen += 1;
    }
    assert!(seen >= 5, "{seen} files");
}

#[actix_web::test]
async fn no_console_file_names_another_host() {
    let h = Harness::new().await;
    let app = h.service().await;
    for path in asset_paths() {
        let text = call(&app, TestRequest::get().uri(&console_url(path)))
            .await
            .text()
            // A namespace name, never fetched.
            .replace(r#"xmlns="http://www.w3.org/2000/svg""#, "");
        for outside in ["://", "\"//", "'//", "`//", "(//"] {
            assert!(
                !text.contains(outside),
                "{path} names another host ({outside})"
            );
        }
    }
}

#[actix_web::test]
async fn unknown_console_files_are_problems_with_the_headers_too() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = call(&app, TestRequest::get().uri(&console_url("nope.js"))).await;
    assert_eq!(r.problem(404)["detail"], "No such console file.");
    assert_secured(&r);
    let r = call(&app, TestRequest::post().uri(&console_url(""))).await;
    assert_eq!(r.problem(405)["type"], "/problems/method-not-allowed");
    assert_eq!(r.header("allow").as_deref(), Some("GET"));
}

#[actix_web::test]
async fn me_names_the_organization_and_scopes_of_the_key_and_never_the_key() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = call_as(&app, &h.admin, TestRequest::get().uri("/api/me")).await;
    let me = r.expect(200);
    assert_eq!(
        me,
        json!({"keyId": h.admin.id.to_string(),
               "actor": h.admin.id.to_string(),
               "organization": {"id": h.admin.org.to_string(), "name": "acme"},
               "scopes": ["admin"]})
    );
    assert!(!r.text().contains(&h.admin.plaintext));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));

    // Any key may ask, whatever its scopes.
    let tester = h.key("globex", &[Scope::Test, Scope::Read]).await;
    let me = call_as(&app, &tester, TestRequest::get().uri("/api/me"))
        .await
        .expect(200);
    assert_eq!(me["scopes"], json!(["read", "test"]));
    assert_eq!(me["organization"]["name"], "globex");
    let tester_only = h.key("globex", &[Scope::Test]).await;
    let me = call_as(&app, &tester_only, TestRequest::get().uri("/api/me"))
        .await
        .expect(200);
    assert_eq!(me["scopes"], json!(["test"]));

    let r = call(&app, TestRequest::get().uri("/api/me")).await;
    assert_eq!(r.problem(401)["type"], "/problems/unauthorized");
}
