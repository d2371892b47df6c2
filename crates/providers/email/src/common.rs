//! Helpers both email providers share: one request and its answer, the
//! wording of transport failures, refusals and recipients. Every message
//! here is ours: no URL, header value, key or remote body ever goes into one.

use patchbay_domain::{IntegrationType, PermanentKind, SendOutcome, TestOutcome};
use patchbay_provider_kit::{
    JsonAnswer, OutboundClient, OutboundError, OutboundRequest, Remote, Url, refuse,
};

/// Our message for a request that got no usable answer: the kit's wording,
/// except that an email provider's URL is the operator's API base URL, and
/// an unsendable header can only be the API key.
pub(crate) fn failure_message(
    remote: &Remote,
    e: &OutboundError,
    client: &OutboundClient,
) -> String {
    let name = remote.name;
    match e {
        OutboundError::Blocked { reason } => format!(
            "the {name} API address is one Patchbay may not call ({reason}); \
             check the configured API base URL"
        ),
        OutboundError::InvalidRequest { .. } => format!(
            "the request to {name} could not be built: the API key holds characters \
             that cannot be sent in a header"
        ),
        _ => remote.failure_message(e, client.config().total_timeout),
    }
}

/// A test's `GET url` with the API key: the answer, or the test outcome of
/// getting none.
pub(crate) async fn test_get(
    client: &OutboundClient,
    remote: &Remote<'_>,
    url: Url,
    label: &'static str,
    key: &str,
) -> Result<JsonAnswer, TestOutcome> {
    let req = OutboundRequest::get(url)
        .log_target(label)
        .header("accept", "application/json")
        .bearer_auth(key);
    client
        .exchange(req)
        .await
        .map(JsonAnswer::from)
        .map_err(|e| e.test_outcome(failure_message(remote, &e, client)))
}

/// Send a message's request: the answer, or the send outcome of getting
/// none.
pub(crate) async fn send(
    client: &OutboundClient,
    remote: &Remote<'_>,
    req: OutboundRequest,
) -> Result<JsonAnswer, SendOutcome> {
    client
        .exchange(req)
        .await
        .map(JsonAnswer::from)
        .map_err(|e| e.send_outcome(failure_message(remote, &e, client)))
}

/// The refusal of a message with more recipients than the catalogue
/// allows for `kind`; `None` within the limit.
pub(crate) fn too_many_recipients(
    kind: IntegrationType,
    remote: &Remote,
    count: usize,
) -> Option<SendOutcome> {
    let max = kind.spec().limits.max_recipients?;
    (count > max).then(|| {
        refuse(
            PermanentKind::Message,
            "too_many_recipients",
            format!(
                "the message has {count} recipients; {} accepts at most {max}",
                remote.name
            ),
        )
    })
}

/// A recipient as given: `addr@domain` or `Name <addr@domain>`.
pub(crate) struct Recipient<'a> {
    pub name: Option<&'a str>,
    pub email: &'a str,
}

/// Split `Name <addr>` (or a bare address). `None` when the address part is
/// not plausibly an email address (one `@`, something either side, no
/// spaces or control characters).
pub(crate) fn parse_recipient(raw: &str) -> Option<Recipient<'_>> {
    let raw = raw.trim();
    let (name, email) = match (raw.rfind('<'), raw.ends_with('>')) {
        (Some(open), true) => {
            let name = raw[..open].trim().trim_matches('"').trim();
            let email = raw[open + 1..raw.len() - 1].trim();
            ((!name.is_empty()).then_some(name), email)
        }
        _ => (None, raw),
    };
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && email.len() <= 320
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'));
    plausible.then_some(Recipient { name, email })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients() {
        let r = parse_recipient("Ann Lee <ann@example.com>").unwrap();
        assert_eq!((r.name, r.email), (Some("Ann Lee"), "ann@example.com"));
        let r = parse_recipient("\"Lee, Ann\" <ann@example.com>").unwrap();
        assert_eq!(r.name, Some("Lee, Ann"));
        let r = parse_recipient(" bob@example.com ").unwrap();
        assert_eq!((r.name, r.email), (None, "bob@example.com"));
        for bad in [
            "",
            "bob",
            "@x",
            "bob@",
            "a b@x.com",
            "a@b@c",
            "<>",
            "a@x.com, b@x.com",
        ] {
            assert!(parse_recipient(bad).is_none(), "{bad}");
        }
    }
}
