//! Request ids. Every request carries one: the client's `X-Request-Id`
//! when it is a short visible-ASCII token, else a new one. It is answered
//! in the `X-Request-Id` response header, is a field of the `request` span
//! around everything logged while the request is handled, and is the
//! `requestId` of any problem body.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use rand::Rng;
use tracing::Instrument;

/// The request and response header.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client-supplied id kept.
pub const MAX_REQUEST_ID_LEN: usize = 128;

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request being handled, if any.
pub(crate) fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The client's id when it is 1 to 128 visible ASCII characters: anything
/// else could break a log line or a header, and is replaced.
fn acceptable(value: &HeaderValue) -> Option<String> {
    let bytes = value.as_bytes();
    let fits = !bytes.is_empty() && bytes.len() <= MAX_REQUEST_ID_LEN;
    (fits && bytes.iter().all(|b| (0x21..=0x7e).contains(b)))
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// 128 random bits as 32 lowercase hex digits.
fn generate() -> String {
    format!("{:032x}", rand::thread_rng().r#gen::<u128>())
}

/// The outermost layer: picks the id, runs the request inside its span and
/// scope, and answers it in the response header.
pub(crate) async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(acceptable)
        .unwrap_or_else(generate);
    let header = HeaderValue::from_str(&id).ok();
    let span = tracing::info_span!("request", request_id = %id);
    let answered = CURRENT
        .scope(id, async move {
            // An error is turned into its response here, inside the scope,
            // so its problem body carries the id too.
            next.call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
                .map_err(|e| (e.error_response(), e.to_string()))
        })
        .instrument(span)
        .await;
    match answered {
        Ok(mut res) => {
            if let Some(v) = header {
                res.headers_mut().insert(REQUEST_ID_HEADER, v);
            }
            Ok(res)
        }
        Err((mut res, cause)) => {
            if let Some(v) = header {
                res.headers_mut().insert(REQUEST_ID_HEADER, v);
            }
            Err(InternalError::from_response(cause, res).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_visible_ascii_ids_are_kept() {
        let long = "a".repeat(MAX_REQUEST_ID_LEN);
        for good in [
            "abc-123",
            "4bf92f3577b34da6a3ce929d0e0e4736",
            long.as_str(),
            "x",
        ] {
            assert_eq!(
                acceptable(&HeaderValue::from_str(good).unwrap()).as_deref(),
                Some(good)
            );
        }
        let too_long = "a".repeat(MAX_REQUEST_ID_LEN + 1);
        for bad in [
            HeaderValue::from_static(""),
            HeaderValue::from_static("a b"),
            HeaderValue::from_str(&too_long).unwrap(),
            HeaderValue::from_bytes("caf\u{e9}".as_bytes()).unwrap(),
            HeaderValue::from_bytes(b"tab\there").unwrap(),
        ] {
            assert_eq!(acceptable(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn generated_ids_are_distinct_hex() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
