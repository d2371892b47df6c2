//! Files a reader of the repository relies on: the license the package
//! metadata declares, and a README example that shows what a real
//! credential looks like (and what Patchbay shows of it).

#![allow(clippy::unwrap_used)]

use patchbay_domain::SecretValue;
use serde_json::json;

fn repository_file(name: &str) -> String {
    let path = format!("{}/../../{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

#[test]
fn the_declared_apache_license_is_in_the_repository() {
    let manifest = repository_file("Cargo.toml");
    assert!(manifest.contains("license = \"Apache-2.0\""), "{manifest}");
    let license = repository_file("LICENSE");
    let license: Vec<&str> = license.split_whitespace().collect();
    let license = license.join(" ");
    assert!(
        license.starts_with("Apache License Version 2.0, January 2004"),
        "{license:.80}"
    );
    // The full text: the terms through their last section, and the appendix.
    for part in [
        "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
        "9. Accepting Warranty or Additional Liability.",
        "END OF TERMS AND CONDITIONS",
        "APPENDIX: How to apply the Apache License to your work.",
    ] {
        assert!(license.contains(part), "LICENSE lacks {part:?}");
    }
}

/// The webhook URL of the README's Discord example.
fn readme_discord_webhook_url() -> String {
    let readme = repository_file("README.md");
    let start = readme
        .find("https://discord.com/api/webhooks/")
        .expect("the README has a Discord example");
    readme[start..]
        .split('"')
        .next()
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn the_readme_discord_example_has_a_realistic_token_its_hint_does_not_reveal() {
    let url = readme_discord_webhook_url();
    let token = url.rsplit('/').next().unwrap();
    // Discord webhook tokens are 68 URL-safe characters.
    assert_eq!(token.len(), 68, "{url}");
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{url}"
    );
    let hint = SecretValue::from_json(&json!(url)).hint().unwrap();
    assert!(
        !hint.contains(token),
        "the hint {hint} shows the whole token"
    );
}
