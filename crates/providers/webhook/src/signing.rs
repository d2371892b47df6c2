//! Standard Webhooks signatures.
//!
//! Signed content is `{webhook-id}.{webhook-timestamp}.{raw body}`; the
//! signature is `v1,` + base64(HMAC-SHA256(key, content)) where the key is
//! the base64-DECODED bytes after `whsec_` (not the ASCII string). The
//! `webhook-signature` header holds one or more space-separated signatures,
//! so a receiver can accept the old and the new secret during rotation.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A signing key: the decoded bytes of a `whsec_...` secret.
#[derive(Clone)]
pub struct SigningKey(SecretSlice<u8>);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

/// Why a signing secret cannot be used. Never holds the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SigningKeyError {
    /// Not `whsec_` followed by base64.
    #[error("the signing secret is not `whsec_` followed by base64")]
    NotBase64,
    /// No key bytes.
    #[error("the signing secret is empty")]
    Empty,
}

impl SigningKey {
    /// Parse a `whsec_<base64>` secret (a bare base64 secret is accepted too,
    /// as the Standard Webhooks libraries do).
    pub fn from_secret(secret: &str) -> Result<Self, SigningKeyError> {
        let b64 = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        let bytes = STANDARD
            .decode(b64.trim())
            .map_err(|_| SigningKeyError::NotBase64)?;
        if bytes.is_empty() {
            return Err(SigningKeyError::Empty);
        }
        Ok(Self(SecretSlice::from(bytes)))
    }

    fn mac(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(self.0.expose_secret())
            .expect("HMAC accepts keys of any length");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// One signature: `v1,<base64>`.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(msg_id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }

    /// True when any `v1,` signature in a `webhook-signature` header value is
    /// this key's signature of the content (constant-time comparison).
    pub fn verify(&self, msg_id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
        header
            .split(' ')
            .filter_map(|s| s.strip_prefix("v1,"))
            .any(|b64| {
                STANDARD
                    .decode(b64)
                    .is_ok_and(|sig| self.mac(msg_id, timestamp, body).verify_slice(&sig).is_ok())
            })
    }
}

/// The `webhook-signature` header value: one signature per key,
/// space-separated, in the order given (e.g. new secret, then old).
pub fn sign(keys: &[SigningKey], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|k| k.sign(msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fresh message id: `msg_` + a ULID (unique and time-sortable).
pub fn new_message_id() -> String {
    format!("msg_{}", ulid::Ulid::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const MSG_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const TS: i64 = 1649367553;
    const BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
    const EXPECTED: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    #[test]
    fn standard_webhooks_test_vector() {
        let key = SigningKey::from_secret(SECRET).unwrap();
        assert_eq!(key.sign(MSG_ID, TS, BODY), EXPECTED);
        assert_eq!(sign(std::slice::from_ref(&key), MSG_ID, TS, BODY), EXPECTED);
        assert!(key.verify(MSG_ID, TS, BODY, EXPECTED));
        assert!(!key.verify(MSG_ID, TS + 1, BODY, EXPECTED));
        assert!(!key.verify(MSG_ID, TS, b"{}", EXPECTED));
    }

    #[test]
    fn key_is_the_decoded_bytes_not_the_ascii_string() {
        // Signing with the ASCII text of the secret gives another signature.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(format!("{MSG_ID}.{TS}.").as_bytes());
        mac.update(BODY);
        let wrong = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        assert_ne!(wrong, EXPECTED);
    }

    #[test]
    fn two_signatures_for_rotation() {
        let old = SigningKey::from_secret(SECRET).unwrap();
        let new =
            SigningKey::from_secret(&format!("whsec_{}", STANDARD.encode([7u8; 32]))).unwrap();
        let header = sign(&[new.clone(), old.clone()], MSG_ID, TS, BODY);
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], new.sign(MSG_ID, TS, BODY));
        assert_eq!(parts[1], EXPECTED);
        // A receiver holding either secret verifies the delivery.
        assert!(old.verify(MSG_ID, TS, BODY, &header));
        assert!(new.verify(MSG_ID, TS, BODY, &header));
        let other = SigningKey::from_secret(&STANDARD.encode([9u8; 24])).unwrap();
        assert!(!other.verify(MSG_ID, TS, BODY, &header));
    }

    #[test]
    fn bad_secrets() {
        assert_eq!(
            SigningKey::from_secret("whsec_not base64!").unwrap_err(),
            SigningKeyError::NotBase64
        );
        assert_eq!(
            SigningKey::from_secret("whsec_").unwrap_err(),
            SigningKeyError::Empty
        );
        assert_eq!(
            format!("{:?}", SigningKey::from_secret(SECRET).unwrap()),
            "SigningKey([redacted])"
        );
    }

    #[test]
    fn message_ids_are_unique() {
        let a = new_message_id();
        let b = new_message_id();
        assert!(a.starts_with("msg_"));
        assert_ne!(a, b);
    }
}
