//! The connection under the HTTP/1 layer, which turns actix-http's own
//! error answers into problems.
//!
//! actix-http answers a request it cannot read before any middleware runs:
//! a malformed request line or header (or a URI over 64 KiB) with `400`, a
//! head over 128 KiB or with more than 96 fields with `431`, a head not
//! received within `http.client_request_timeout_ms` with `408`, and a broken
//! request stream with `500`, each with an empty body and then closes the
//! connection (`actix-http` 3.20 `src/h1/dispatcher.rs`: the
//! `Response::bad_request()`, `REQUEST_HEADER_FIELDS_TOO_LARGE`,
//! `REQUEST_TIMEOUT` and `internal_server_error()` answers built in
//! `poll_request` and `poll_head_timer`, sent with a `()` body). Nothing in
//! actix-web configures those answers, so [`ProblemStream`], between the
//! socket and the dispatcher, replaces each as it is written by the same
//! status with a problem+json body.
//!
//! They are recognised by their bytes: the status line of one of those
//! statuses followed by `content-length: 0`. The app never writes such a
//! head (its every 4xx and 5xx carries a problem body), and no body it
//! serves holds one (JSON and the docs' assets hold no raw CRLF sequence of
//! that shape).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use actix_web::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::problem::{ApiError, PROBLEM_JSON, ProblemKind};

/// A connection whose framework error answers are rewritten as problems.
pub struct ProblemStream<T> {
    inner: T,
    /// The answer standing in for a framework error head, being written.
    replacing: Option<Replacement>,
}

struct Replacement {
    bytes: Vec<u8>,
    written: usize,
    /// The length of the original head, reported written once `bytes` are.
    replaces: usize,
}

impl<T> ProblemStream<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            replacing: None,
        }
    }
}

/// The heads actix-http writes for its own errors, up to the end of their
/// first header line.
const FRAMEWORK_ERRORS: [(StatusCode, &[u8]); 4] = [
    (
        StatusCode::BAD_REQUEST,
        b" 400 Bad Request\r\ncontent-length: 0\r\n",
    ),
    (
        StatusCode::REQUEST_TIMEOUT,
        b" 408 Request Timeout\r\ncontent-length: 0\r\n",
    ),
    (
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        b" 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n",
    ),
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        b" 500 Internal Server Error\r\ncontent-length: 0\r\n",
    ),
];

/// A framework error head in `buf`: where it starts, its length and its
/// status.
fn find_framework_error(buf: &[u8]) -> Option<(usize, usize, StatusCode)> {
    const VERSIONS: [&[u8]; 2] = [b"HTTP/1.1", b"HTTP/1.0"];
    let mut from = 0;
    while let Some(offset) = buf[from..].iter().position(|&b| b == b'H') {
        let at = from + offset;
        let rest = &buf[at..];
        if let Some(version) = VERSIONS.iter().find(|v| rest.starts_with(v)) {
            let after = &rest[version.len()..];
            if let Some((status, _)) = FRAMEWORK_ERRORS.iter().find(|(_, t)| after.starts_with(t))
                && let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n")
            {
                return Some((at, end + 4, *status));
            }
        }
        from = at + 1;
    }
    None
}

/// The problem answer for a framework error head: its status line and
/// headers (`date`, ...) kept, with the problem's length and type, and
/// `connection: close` (actix-http closes the connection after it).
fn problem_answer(head: &[u8], status: StatusCode) -> Vec<u8> {
    let (kind, detail) = match status {
        StatusCode::BAD_REQUEST => (
            ProblemKind::BadRequest,
            "The request's head is not valid HTTP/1.1: a malformed request line or header, or a \
             URI longer than 65534 bytes.",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            ProblemKind::RequestTimeout,
            "The request's head was not received in time.",
        ),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            ProblemKind::HeadersTooLarge,
            "The request's head is too large: at most 128 KiB and 96 header fields.",
        ),
        _ => (
            ProblemKind::Internal,
            ProblemKind::Internal.generic_detail(),
        ),
    };
    let problem = ApiError::new(kind, detail).problem;
    // A problem always serialises; the fallback keeps the type honest.
    let body = serde_json::to_vec(&*problem).unwrap_or_else(|_| b"{}".to_vec());
    let text = String::from_utf8_lossy(head);
    let mut lines = text.trim_end_matches("\r\n").split("\r\n");
    let mut out = String::new();
    out.push_str(lines.next().unwrap_or("HTTP/1.1 500 Internal Server Error"));
    out.push_str("\r\n");
    for line in lines {
        let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "content-length" | "content-type" | "connection"
        ) {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str(&format!(
        "content-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemStream<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemStream<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacing.is_none() {
            match find_framework_error(buf) {
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
                // What comes before it first, as it is.
                Some((at, _, _)) if at > 0 => {
                    return Pin::new(&mut this.inner).poll_write(cx, &buf[..at]);
                }
                Some((_, len, status)) => {
                    this.replacing = Some(Replacement {
                        bytes: problem_answer(&buf[..len], status),
                        written: 0,
                        replaces: len,
                    });
                }
            }
        }
        // The dispatcher offers the same head again until it is reported
        // written, which it is once the whole replacement is.
        let Some(r) = this.replacing.as_mut() else {
            return Poll::Ready(Ok(0));
        };
        while r.written < r.bytes.len() {
            match ready!(Pin::new(&mut this.inner).poll_write(cx, &r.bytes[r.written..]))? {
                0 => return Poll::Ready(Ok(0)),
                n => r.written += n,
            }
        }
        let replaced = r.replaces;
        this.replacing = None;
        Poll::Ready(Ok(replaced))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const DATE: &str = "date: Thu, 01 Jan 2026 00:00:00 GMT\r\n";

    fn head(status_line: &str) -> String {
        format!("{status_line}\r\ncontent-length: 0\r\n{DATE}\r\n")
    }

    /// What a peer reads when `writes` are written through the stream,
    /// with the transport taking at most `chunk` bytes per write.
    async fn written(writes: &[&[u8]], chunk: usize) -> String {
        let (client, server) = tokio::io::duplex(chunk);
        let mut stream = ProblemStream::new(server);
        let mut reader = client;
        let owned: Vec<Vec<u8>> = writes.iter().map(|w| w.to_vec()).collect();
        let writer = tokio::spawn(async move {
            for w in owned {
                let mut rest: &[u8] = &w;
                while !rest.is_empty() {
                    let n = stream.write(rest).await.unwrap();
                    assert!(n > 0);
                    rest = &rest[n..];
                }
            }
            stream.shutdown().await.unwrap();
        });
        let mut out = String::new();
        reader.read_to_string(&mut out).await.unwrap();
        writer.await.unwrap();
        out
    }

    fn body_of(answer: &str) -> serde_json::Value {
        let (_, body) = answer.split_once("\r\n\r\n").unwrap();
        serde_json::from_str(body).unwrap()
    }

    #[tokio::test]
    async fn each_framework_error_becomes_a_problem() {
        for (line, status, kind) in [
            ("HTTP/1.1 400 Bad Request", 400, "/problems/bad-request"),
            (
                "HTTP/1.1 408 Request Timeout",
                408,
                "/problems/request-timeout",
            ),
            (
                "HTTP/1.1 431 Request Header Fields Too Large",
                431,
                "/problems/headers-too-large",
            ),
            ("HTTP/1.0 400 Bad Request", 400, "/problems/bad-request"),
            (
                "HTTP/1.1 500 Internal Server Error",
                500,
                "/problems/internal",
            ),
        ] {
            let out = written(&[head(line).as_bytes()], 4096).await;
            assert!(out.starts_with(&format!("{line}\r\n")), "{out}");
            assert!(out.contains(DATE), "{out}");
            assert!(
                out.contains("content-type: application/problem+json\r\n"),
                "{out}"
            );
            assert!(out.contains("connection: close\r\n"), "{out}");
            assert!(!out.contains("content-length: 0\r\n"), "{out}");
            let body = body_of(&out);
            assert_eq!(
                (body["status"].as_u64(), body["type"].as_str()),
                (Some(status), Some(kind))
            );
            let length = out
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .unwrap();
            assert_eq!(
                length.parse::<usize>().unwrap(),
                out.split_once("\r\n\r\n").unwrap().1.len()
            );
        }
    }

    #[tokio::test]
    async fn answers_before_it_and_a_slow_transport_are_kept_whole() {
        let ok = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        let error = head("HTTP/1.1 400 Bad Request");
        let both = format!("{ok}{error}");
        // One write holding an earlier answer and the error, through a
        // transport that takes 7 bytes at a time.
        let out = written(&[both.as_bytes()], 7).await;
        let (first, second) = out.split_at(ok.len());
        assert_eq!(first, ok);
        assert_eq!(body_of(second)["type"], "/problems/bad-request");
    }

    #[tokio::test]
    async fn other_answers_pass_unchanged() {
        for answer in [
            "HTTP/1.1 204 No Content\r\n\r\n".to_string(),
            // The app's own 400 has a problem body.
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\ncontent-type: application/problem+json\r\n\r\n{}".to_string(),
            // Not a head: the bytes inside a body.
            "HTTP/1.1 200 OK\r\ncontent-length: 24\r\n\r\nHTTP/1.1 400 Bad Request".to_string(),
        ] {
            assert_eq!(written(&[answer.as_bytes()], 64).await, answer);
        }
    }
}
