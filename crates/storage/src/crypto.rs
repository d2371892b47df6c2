//! Encryption at rest: AES-256-GCM under a keyring of named keys.
//!
//! Envelope layout (all of it authenticated):
//!
//! ```text
//! version (1) | key-id length (1) | key id | nonce (12) | ciphertext + tag (16)
//! ```
//!
//! The key id travels in the envelope so any configured key can open what it
//! sealed and a missing key can be named. The associated data is the header
//! followed by a caller-supplied context (the organization and integration
//! ids, see [`integration_context`]), so a ciphertext copied to another row,
//! or a header edited to point at another key, fails to open.
//!
//! Key bytes are held in `Zeroizing` buffers, never printed, and no error
//! carries key material or plaintext.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use patchbay_domain::{IntegrationId, OrgId};
use rand::RngCore;
use secrecy::SecretString;
use zeroize::Zeroizing;

const ENVELOPE_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 32;
const MAX_KEY_ID_LEN: usize = 64;

/// A keyring that cannot be built from its text form. Messages name entries
/// by position and keys by id, never by their bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// The text holds no entry.
    #[error("the keyring holds no keys")]
    Empty,
    /// This entry (1-based) is not `id:base64-key`.
    #[error("keyring entry {0} is not `id:base64-key`")]
    MalformedEntry(usize),
    /// This entry's (1-based) key id is empty, too long or has other
    /// characters than `A-Z a-z 0-9 . _ -`.
    #[error(
        "keyring entry {0} has an invalid key id (1-{MAX_KEY_ID_LEN} characters of A-Z a-z 0-9 . _ -)"
    )]
    InvalidKeyId(usize),
    /// The key with this id is not base64 of 32 bytes.
    #[error("key `{0}` is not the base64 encoding of 32 bytes")]
    InvalidKey(String),
    /// Two entries share this key id.
    #[error("key id `{0}` appears more than once in the keyring")]
    DuplicateKeyId(String),
    /// The key named active is not in the keyring.
    #[error("the active key `{0}` is not in the keyring")]
    UnknownActiveKey(String),
}

/// Sealing or opening failed. Never holds key bytes or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The envelope names a key id the keyring does not hold.
    #[error("secrets were sealed with key `{0}`, which is not in the configured keyring")]
    UnknownKey(String),
    /// The key with this id did not open the envelope: wrong key bytes,
    /// tampered, or sealed for another row.
    #[error(
        "secrets sealed with key `{0}` failed authentication: wrong key material for that id, \
         tampered, or copied from another organization or integration"
    )]
    Authentication(String),
    /// The envelope is empty, cut short or names an unreadable key id; the
    /// text says which.
    #[error("the secrets envelope is malformed: {0}")]
    Malformed(&'static str),
    /// The envelope has a version this build does not read.
    #[error("the secrets envelope has unsupported version {0}")]
    UnsupportedVersion(u8),
    /// The cipher failed to seal.
    #[error("encryption failed")]
    Seal,
}

struct KeyEntry {
    id: String,
    key: Zeroizing<[u8; KEY_LEN]>,
}

/// Named AES-256 keys; the active one seals, every one opens.
pub struct Keyring {
    keys: Vec<KeyEntry>,
    active: usize,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("keys", &self.keys.iter().map(|k| &k.id).collect::<Vec<_>>())
            .field("active", &self.active_key_id())
            .finish()
    }
}

fn valid_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_KEY_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Operators paste keys from many tools; accept every common base64 flavour.
fn decode_key(text: &str) -> Option<Zeroizing<[u8; KEY_LEN]>> {
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        let mut buf = Zeroizing::new([0u8; KEY_LEN + 3]);
        if let Ok(n) = engine.decode_slice(text.as_bytes(), &mut buf[..]) {
            if n != KEY_LEN {
                return None;
            }
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            key.copy_from_slice(&buf[..KEY_LEN]);
            return Some(key);
        }
    }
    None
}

impl Keyring {
    /// Parse `id1:BASE64KEY,id2:BASE64KEY`. Entries may also be separated by
    /// newlines, and lines starting with `#` are comments, so the same text
    /// works as a key file. With `active` unset the last entry is active,
    /// which makes "append a new key" the whole rotation edit.
    pub fn parse(spec: &str, active: Option<&str>) -> Result<Keyring, KeyringError> {
        let mut keys: Vec<KeyEntry> = Vec::new();
        let entries = spec
            .lines()
            .map(str::trim)
            .filter(|line| !line.starts_with('#'))
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|entry| !entry.is_empty());
        for (index, entry) in entries.enumerate() {
            let position = index + 1;
            let (id, key_text) = entry
                .split_once(':')
                .ok_or(KeyringError::MalformedEntry(position))?;
            let (id, key_text) = (id.trim(), key_text.trim());
            if !valid_key_id(id) {
                return Err(KeyringError::InvalidKeyId(position));
            }
            let key = decode_key(key_text).ok_or_else(|| KeyringError::InvalidKey(id.into()))?;
            if keys.iter().any(|k| k.id == id) {
                return Err(KeyringError::DuplicateKeyId(id.into()));
            }
            keys.push(KeyEntry {
                id: id.to_owned(),
                key,
            });
        }
        if keys.is_empty() {
            return Err(KeyringError::Empty);
        }
        let active = match active.map(str::trim) {
            Some(id) => keys
                .iter()
                .position(|k| k.id == id)
                .ok_or_else(|| KeyringError::UnknownActiveKey(id.into()))?,
            None => keys.len() - 1,
        };
        Ok(Keyring { keys, active })
    }

    /// A new random key as an `id:base64` keyring line.
    pub fn generate_key_line(id: &str) -> SecretString {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(&mut key[..]);
        let encoded = Zeroizing::new(STANDARD.encode(&key[..]));
        SecretString::from(format!("{id}:{}", encoded.as_str()))
    }

    /// The id of the key that seals.
    pub fn active_key_id(&self) -> &str {
        &self.keys[self.active].id
    }

    /// Every key id, in keyring order.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }

    /// Whether the keyring holds a key with this id.
    pub fn contains(&self, key_id: &str) -> bool {
        self.keys.iter().any(|k| k.id == key_id)
    }

    /// Seal under the active key with a fresh random nonce, bound to
    /// `context` (see [`integration_context`]).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let entry = &self.keys[self.active];
        let id = entry.id.as_bytes();
        let id_len = u8::try_from(id.len()).map_err(|_| CryptoError::Seal)?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);

        let mut envelope = Vec::with_capacity(2 + id.len() + NONCE_LEN + plaintext.len() + TAG_LEN);
        envelope.push(ENVELOPE_VERSION);
        envelope.push(id_len);
        envelope.extend_from_slice(id);
        let aad = associated_data(&envelope, context);
        envelope.extend_from_slice(&nonce);

        let cipher = Aes256Gcm::new_from_slice(&entry.key[..]).map_err(|_| CryptoError::Seal)?;
        let ciphertext = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Seal)?;
        envelope.extend_from_slice(&ciphertext);
        Ok(envelope)
    }

    /// Open an envelope sealed by any key in the ring for this `context`.
    pub fn open(&self, envelope: &[u8], context: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let parsed = parse_envelope(envelope)?;
        let entry = self
            .keys
            .iter()
            .find(|k| k.id == parsed.key_id)
            .ok_or_else(|| CryptoError::UnknownKey(parsed.key_id.to_owned()))?;
        let aad = associated_data(parsed.header, context);
        let cipher = Aes256Gcm::new_from_slice(&entry.key[..])
            .map_err(|_| CryptoError::Authentication(entry.id.clone()))?;
        cipher
            .decrypt(
                Nonce::from_slice(parsed.nonce),
                Payload {
                    msg: parsed.ciphertext,
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Authentication(entry.id.clone()))
    }
}

struct ParsedEnvelope<'a> {
    header: &'a [u8],
    key_id: &'a str,
    nonce: &'a [u8],
    ciphertext: &'a [u8],
}

fn parse_envelope(envelope: &[u8]) -> Result<ParsedEnvelope<'_>, CryptoError> {
    let (&version, rest) = envelope
        .split_first()
        .ok_or(CryptoError::Malformed("empty"))?;
    if version != ENVELOPE_VERSION {
        return Err(CryptoError::UnsupportedVersion(version));
    }
    let (&id_len, rest) = rest
        .split_first()
        .ok_or(CryptoError::Malformed("truncated header"))?;
    let id_len = usize::from(id_len);
    if rest.len() < id_len + NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Malformed("truncated"));
    }
    let (id, rest) = rest.split_at(id_len);
    // Validated before it can reach an error message: a tampered id must not
    // smuggle arbitrary bytes into logs.
    let key_id = std::str::from_utf8(id)
        .ok()
        .filter(|id| valid_key_id(id))
        .ok_or(CryptoError::Malformed("invalid key id"))?;
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    Ok(ParsedEnvelope {
        header: &envelope[..2 + id_len],
        key_id,
        nonce,
        ciphertext,
    })
}

/// The id of the key that sealed this envelope.
pub fn envelope_key_id(envelope: &[u8]) -> Result<&str, CryptoError> {
    parse_envelope(envelope).map(|p| p.key_id)
}

/// The header is self-delimiting (length-prefixed id), so header ‖ context
/// is unambiguous.
fn associated_data(header: &[u8], context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + context.len());
    aad.extend_from_slice(header);
    aad.extend_from_slice(context);
    aad
}

/// The context an integration's secrets are bound to. Ids contain no `/`, so
/// distinct (organization, integration) pairs give distinct contexts.
pub fn integration_context(org: &OrgId, integration: &IntegrationId) -> Vec<u8> {
    format!("patchbay/v1/{org}/{integration}").into_bytes()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn ring(spec: &str) -> Keyring {
        Keyring::parse(spec, None).unwrap()
    }

    fn line(id: &str) -> String {
        Keyring::generate_key_line(id).expose_secret().to_owned()
    }

    fn ctx() -> (OrgId, IntegrationId) {
        (OrgId::generate(), IntegrationId::generate())
    }

    #[test]
    fn round_trips_every_size() {
        let keys = ring(&line("k1"));
        let (org, id) = ctx();
        let context = integration_context(&org, &id);
        for size in [0usize, 1, 15, 16, 17, 1024] {
            let plaintext: Vec<u8> = (0..size).map(|i| (i * 7 + 3) as u8).collect();
            let sealed = keys.seal(&plaintext, &context).unwrap();
            assert_eq!(sealed.len(), 2 + 2 + NONCE_LEN + size + TAG_LEN);
            assert_eq!(envelope_key_id(&sealed).unwrap(), "k1");
            let opened = keys.open(&sealed, &context).unwrap();
            assert_eq!(&opened[..], &plaintext[..], "size {size}");
        }
    }

    #[test]
    fn same_value_sealed_twice_differs() {
        let keys = ring(&line("k1"));
        let (org, id) = ctx();
        let context = integration_context(&org, &id);
        let a = keys.seal(b"the same secret", &context).unwrap();
        let b = keys.seal(b"the same secret", &context).unwrap();
        assert_ne!(a, b);
        // The nonces differ, not just the ciphertexts.
        assert_ne!(a[4..4 + NONCE_LEN], b[4..4 + NONCE_LEN]);
    }

    #[test]
    fn flipping_any_byte_fails_to_open() {
        let keys = ring(&line("k1"));
        let (org, id) = ctx();
        let context = integration_context(&org, &id);
        let sealed = keys.seal(b"{\"botToken\":\"xoxb-1\"}", &context).unwrap();
        for position in 0..sealed.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut tampered = sealed.clone();
                tampered[position] ^= flip;
                assert!(
                    keys.open(&tampered, &context).is_err(),
                    "flipping {flip:#x} at byte {position} was not detected"
                );
            }
        }
        // Truncation and extension are tampering too.
        for len in 0..sealed.len() {
            assert!(keys.open(&sealed[..len], &context).is_err(), "len {len}");
        }
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(keys.open(&longer, &context).is_err());
    }

    #[test]
    fn header_edited_to_another_key_with_same_bytes_fails() {
        // Two ids holding the same key material: only the header binding
        // stops an envelope relabelled from one id to the other.
        let material = line("a");
        let (_, key) = material.split_once(':').unwrap();
        let keys = Keyring::parse(&format!("k1:{key},k2:{key}"), Some("k1")).unwrap();
        let (org, id) = ctx();
        let context = integration_context(&org, &id);
        let mut sealed = keys.seal(b"secret", &context).unwrap();
        sealed[3] = b'2';
        assert_eq!(envelope_key_id(&sealed).unwrap(), "k2");
        assert!(matches!(
            keys.open(&sealed, &context),
            Err(CryptoError::Authentication(_))
        ));
    }

    #[test]
    fn envelope_is_bound_to_org_and_integration() {
        let keys = ring(&line("k1"));
        let (org, id) = ctx();
        let sealed = keys
            .seal(b"secret", &integration_context(&org, &id))
            .unwrap();
        let other_org = OrgId::generate();
        let other_id = IntegrationId::generate();
        for context in [
            integration_context(&other_org, &id),
            integration_context(&org, &other_id),
            integration_context(&other_org, &other_id),
            Vec::new(),
        ] {
            let err = keys.open(&sealed, &context).unwrap_err();
            assert_eq!(err, CryptoError::Authentication("k1".into()));
        }
    }

    #[test]
    fn active_key_seals_and_every_key_opens() {
        let (l1, l2) = (line("k1"), line("k2"));
        let old = ring(&l1);
        let (org, id) = ctx();
        let context = integration_context(&org, &id);
        let under_k1 = old.seal(b"v", &context).unwrap();

        let both = ring(&format!("{l1}\n{l2}"));
        assert_eq!(both.active_key_id(), "k2");
        let under_k2 = both.seal(b"v", &context).unwrap();
        assert_eq!(envelope_key_id(&under_k2).unwrap(), "k2");
        assert_eq!(&both.open(&under_k1, &context).unwrap()[..], b"v");

        let only_k2 = ring(&l2);
        assert_eq!(
            only_k2.open(&under_k1, &context).unwrap_err(),
            CryptoError::UnknownKey("k1".into())
        );
        let message = only_k2.open(&under_k1, &context).unwrap_err().to_string();
        assert_eq!(
            message,
            "secrets were sealed with key `k1`, which is not in the configured keyring"
        );
    }

    #[test]
    fn parses_key_files_with_comments_newlines_and_commas() {
        let (l1, l2, l3) = (line("k1"), line("k2"), line("k3"));
        let text = format!("# Patchbay keys\n{l1}\n\n  # old\n{l2} , {l3}\n");
        let keys = ring(&text);
        assert_eq!(keys.key_ids().collect::<Vec<_>>(), ["k1", "k2", "k3"]);
        assert_eq!(keys.active_key_id(), "k3");
        let chosen = Keyring::parse(&text, Some("k1")).unwrap();
        assert_eq!(chosen.active_key_id(), "k1");
        assert!(chosen.contains("k2") && !chosen.contains("k4"));
    }

    #[test]
    fn parse_errors_never_echo_key_material() {
        let l1 = line("k1");
        let (_, key) = l1.split_once(':').unwrap();
        let cases: Vec<(String, KeyringError)> = vec![
            (String::new(), KeyringError::Empty),
            ("# only a comment".into(), KeyringError::Empty),
            (key.to_owned(), KeyringError::MalformedEntry(1)),
            (format!("{key}:k1"), KeyringError::InvalidKeyId(1)),
            (
                format!("k1:{}", &key[..20]),
                KeyringError::InvalidKey("k1".into()),
            ),
            (
                format!("{l1},{l1}"),
                KeyringError::DuplicateKeyId("k1".into()),
            ),
        ];
        for (spec, expected) in cases {
            let err = Keyring::parse(&spec, None).unwrap_err();
            assert_eq!(err, expected);
            assert!(!err.to_string().contains(&key[..8]), "{err}");
        }
        assert_eq!(
            Keyring::parse(&l1, Some("k9")).unwrap_err(),
            KeyringError::UnknownActiveKey("k9".into())
        );
        // Keys of the wrong length are refused, whatever the base64 flavour.
        let short = STANDARD.encode([7u8; 16]);
        assert!(Keyring::parse(&format!("k1:{short}"), None).is_err());
        let url_safe = URL_SAFE_NO_PAD.encode([0xfbu8; 32]);
        assert!(Keyring::parse(&format!("k1:{url_safe}"), None).is_ok());
    }

    #[test]
    fn debug_shows_ids_only() {
        let l1 = line("k1");
        let (_, key) = l1.split_once(':').unwrap();
        let shown = format!("{:?}", ring(&l1));
        assert!(shown.contains("k1"));
        assert!(!shown.contains(key));
    }
}
