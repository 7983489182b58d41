//! `/RPC2` (and anything below it, as Supervisor matches the prefix): the XML-RPC transport.
//! POST only (400 otherwise), a Content-Length is required (411), bodies are capped (413),
//! and the reply is `text/xml`. What the body means is methods.rs's business.

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodyLimitExceeded, BodySize, MessageBody};
use bytes::Bytes;

use actix_web::http::header::CONTENT_LENGTH;
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::FutureExt as _;
use tokio::time::error::Elapsed;

use super::error_page;
use crate::actors::mainlog;
use crate::rpc::reply_budget::{self, Claims};
use crate::rpc::{methods, Backend};

/// The largest request body accepted. Supervisor has no limit; a real call is a few hundred
/// bytes, but a script's multicall of 100 000 calls is 21 MB. What bodies hold, decoded, is
/// claimed from the daemon-wide reply budget, so many large ones at once are refused (503)
/// rather than let grow the daemon.
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// How long a client may take to send a body once its headers are in.
const BODY_TIMEOUT: Duration = Duration::from_secs(60);

pub(super) async fn handle(
    req: &HttpRequest,
    payload: web::Payload,
    backend: &Backend,
) -> HttpResponse {
    if req.method() != Method::POST {
        return error_page(StatusCode::BAD_REQUEST);
    }
    // actix has already refused a malformed Content-Length with 400.
    let Some(length) = req.headers().get(CONTENT_LENGTH) else {
        // The body (chunked, or up to EOF) stays unread: the connection cannot be reused.
        return close(error_page(StatusCode::LENGTH_REQUIRED));
    };
    let length: u64 = match length.to_str().ok().and_then(|s| s.trim().parse().ok()) {
        Some(n) => n,
        None => return close(error_page(StatusCode::BAD_REQUEST)),
    };
    if length > MAX_BODY as u64 {
        return close(error_page(StatusCode::PAYLOAD_TOO_LARGE));
    }
    let Some(_body_claim) = reply_budget::hold(length as usize) else {
        return close(error_page(StatusCode::SERVICE_UNAVAILABLE));
    };
    let body = match body_within_timeout(payload).await {
        Ok(Ok(Ok(body))) => body,
        Ok(Ok(Err(_))) => return close(error_page(StatusCode::BAD_REQUEST)),
        Ok(Err(_)) => return close(error_page(StatusCode::PAYLOAD_TOO_LARGE)),
        Err(_) => return close(error_page(StatusCode::REQUEST_TIMEOUT)),
    };
    // A panic in one call must not take the worker (and every other connection) with it:
    // Supervisor answers an unexpected exception with 500 and logs it CRIT.
    let call = AssertUnwindSafe(methods::handle_xml(backend, &body)).catch_unwind();
    match reply_budget::within(call).await {
        (Ok(Ok(xml)), claims) => HttpResponse::Ok().content_type("text/xml").body(HeldReply {
            xml: Bytes::from(xml),
            claims: Some(claims),
        }),
        (Ok(Err(_)), _) => error_page(StatusCode::BAD_REQUEST),
        (Err(panic), _) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string());
            mainlog::xmlrpc_unexpected_error(&body, &what);
            error_page(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// What reading a body within [`MAX_BODY`] gives: the body, a broken stream, or too large.
type BodyRead = Result<actix_web::Result<Bytes>, BodyLimitExceeded>;

/// The request body, or the timeout if it takes longer than [`BODY_TIMEOUT`]. A body already
/// in the connection's buffer (every call from a stock client: head and body come in one
/// write) is taken without arming the timer, since arming one earlier than the worker's next
/// timer wakes its event loop once more on every call. actix feeds such a body to the
/// payload just after this handler's first poll, so it is looked for once more after that.
async fn body_within_timeout(payload: web::Payload) -> Result<BodyRead, Elapsed> {
    let mut read = std::pin::pin!(payload.to_bytes_limited(MAX_BODY));
    if let Some(body) = read.as_mut().now_or_never() {
        return Ok(body);
    }
    after_this_pass().await;
    if let Some(body) = read.as_mut().now_or_never() {
        return Ok(body);
    }
    tokio::time::timeout(BODY_TIMEOUT, read).await
}

/// Pending once, asking to be polled again straight away: the connection's dispatcher
/// finishes the pass that polled this handler (on the same thread, so no system call) before
/// it does.
fn after_this_pass() -> impl std::future::Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
}

/// A reply that holds its log reads' claims until its last piece is handed to the
/// connection. It goes out a piece at a time, so that the connection's write buffer only
/// takes more as the client reads: a client that never reads leaves the reply here, claimed.
struct HeldReply {
    xml: Bytes,
    claims: Option<Claims>,
}

/// What the connection takes of a reply at a time.
const REPLY_PIECE: usize = 64 * 1024;

impl MessageBody for HeldReply {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.xml.len() as u64)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Infallible>>> {
        let this = self.get_mut();
        if this.xml.is_empty() {
            this.claims = None;
            return Poll::Ready(None);
        }
        let piece = this.xml.split_to(this.xml.len().min(REPLY_PIECE));
        Poll::Ready(Some(Ok(piece)))
    }
}

fn close(mut response: HttpResponse) -> HttpResponse {
    response
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    response
}
