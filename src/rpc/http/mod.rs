//! The HTTP servers: Supervisor's routes on every configured socket, served by actix-web on
//! one worker thread of its own, so a slow client or a `tail -f` never holds up supervision.
//!
//! - [`bind`] opens the sockets before the daemon forks ([`servers`]); they live across
//!   restarts and [`Listeners::close`] removes the unix socket at exit.
//! - [`serve`] runs the app on them for one run of the actor system.
//! - Routing is Supervisor's, by path prefix, in its handler order: `/RPC2` ([`rpc2`]),
//!   `/logtail` and `/mainlogtail` ([`logtail`]), our `/metrics` where the server section
//!   says `metrics = true` ([`crate::rpc::metrics`]) and `/api/` ([`crate::rpc::api`]), then
//!   the web UI ([`ui`]); anything else 404.
//!   Every route sits behind the Basic auth of the server the request came in on ([`auth`]).

mod auth;
mod connections;
mod logtail;
mod rpc2;
mod servers;
mod ui;

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use actix_web::http::{ConnectionType, KeepAlive, StatusCode};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

pub use connections::Caps as ConnectionCaps;
pub use rpc2::MAX_BODY;
pub use servers::{bind, Listeners, ADDRESS_IN_USE};

use super::{api, metrics, Backend};
use crate::config::Credentials;
use servers::Socket;

/// Idle time a connection is kept for its next request. Long, because `childutils` event
/// listeners and supervisorctl reuse one connection across calls far apart; actix's 5 s
/// default would drop them under their feet.
const KEEP_ALIVE: Duration = Duration::from_secs(30 * 60);
/// Time a new connection has to send its request head: a slow or silent client is dropped
/// (408) instead of holding a slot forever.
const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// Time given to a client to take the last bytes of a reply before the connection is shut.
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a graceful stop lets open connections finish (tail streams never do).
const SHUTDOWN_GRACE_SECS: u64 = 1;

/// What every request sees: the backend, and what each socket allows.
struct Shared {
    backend: Backend,
    unix: Policy,
    /// Each TCP server by its bound address, as actix reports it per request.
    tcp: Vec<(SocketAddr, Policy)>,
}

/// One server section's rules: the credentials it asks for, and whether it serves metrics.
#[derive(Default)]
struct Policy {
    auth: Option<Credentials>,
    metrics: bool,
}

/// Set on a connection that came in on the unix socket (actix cannot tell it by address).
#[derive(Clone, Copy)]
struct ViaUnix;

/// The fds that connections may take, from the limit the daemon runs under, the programs it
/// runs and the servers it has.
pub fn connection_caps(programs: usize, listeners: &Listeners) -> ConnectionCaps {
    let limit = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .map_or(1024, |(soft, _)| soft);
    ConnectionCaps::new(
        usize::try_from(limit).unwrap_or(usize::MAX),
        programs,
        listeners.servers.len(),
    )
}

/// Starts serving `listeners` for one run of the actor system. Call it inside the run's
/// System and spawn the returned future; stop it through its handle when the run ends, which
/// also releases its copies of the sockets.
pub fn serve(
    listeners: &Listeners,
    backend: Backend,
    caps: ConnectionCaps,
) -> std::io::Result<Server> {
    let mut shared = Shared {
        backend,
        unix: Policy::default(),
        tcp: Vec::new(),
    };
    for bound in &listeners.servers {
        let policy = Policy {
            auth: bound.auth.clone(),
            metrics: bound.metrics,
        };
        match &bound.socket {
            Socket::Unix { .. } => shared.unix = policy,
            Socket::Tcp { addr, .. } => shared.tcp.push((*addr, policy)),
        }
    }
    let shared = web::Data::new(shared);
    let mut server = HttpServer::new(move || {
        connections::set_caps(caps);
        App::new()
            .app_data(shared.clone())
            .default_service(web::to(dispatch))
    })
    .workers(1)
    // The daemon owns SIGTERM/SIGINT/SIGHUP: actix must not stop on them.
    .disable_signals()
    .keep_alive(KeepAlive::Timeout(KEEP_ALIVE))
    .client_request_timeout(REQUEST_HEAD_TIMEOUT)
    .client_disconnect_timeout(DISCONNECT_TIMEOUT)
    // At the end of a run, in-flight replies (shutdown()'s and restart()'s own True among
    // them) get this long to be written before connections are cut.
    .shutdown_timeout(SHUTDOWN_GRACE_SECS)
    // A client that hangs up is gone: drop its connection (and any tail stream) at once
    // rather than waiting for a write to fail.
    .h1_allow_half_closed(false)
    .on_connect(|io, ext| {
        if let Some(stream) = io.downcast_ref::<tokio::net::UnixStream>() {
            ext.insert(ViaUnix);
            ext.insert(connections::track(stream, connections::Server::Unix));
        } else if let Some(stream) = io.downcast_ref::<tokio::net::TcpStream>() {
            if let Ok(local) = stream.local_addr() {
                ext.insert(connections::track(stream, connections::Server::Tcp(local)));
            }
        }
    });
    for bound in &listeners.servers {
        // Clones of the descriptors: the originals stay open in `listeners` for the next run.
        server = match &bound.socket {
            Socket::Unix { listener, .. } => server.listen_uds(listener.try_clone()?)?,
            Socket::Tcp { listener, .. } => server.listen(listener.try_clone()?)?,
        };
    }
    Ok(server.run())
}

impl Shared {
    /// The rules of the server `req` came in on; None when it cannot be told, which is
    /// refused rather than let through.
    fn policy(&self, req: &HttpRequest) -> Option<&Policy> {
        if req.conn_data::<ViaUnix>().is_some() {
            return Some(&self.unix);
        }
        let local = req.app_config().local_addr();
        self.tcp
            .iter()
            .find(|(addr, _)| *addr == local)
            .map(|(_, policy)| policy)
    }
}

async fn dispatch(
    req: HttpRequest,
    payload: web::Payload,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let response = route(&req, payload, &shared).await;
    let tracked = req.conn_data::<connections::Tracked>();
    response.map_body(|_, body| connections::while_sending(tracked, body))
}

async fn route(req: &HttpRequest, payload: web::Payload, shared: &Shared) -> HttpResponse {
    let header = req.headers().get(AUTHORIZATION).map(|v| v.as_bytes());
    let policy = shared.policy(req);
    let verdict = match policy {
        Some(policy) => auth::check(policy.auth.as_ref(), header),
        None => auth::Verdict::Unauthorized,
    };
    match verdict {
        auth::Verdict::Allowed => {}
        auth::Verdict::Malformed => return error_page(StatusCode::BAD_REQUEST),
        auth::Verdict::Unauthorized => {
            // Supervisor closes after a 401, leaving any request body unread.
            let mut reply = error_page(StatusCode::UNAUTHORIZED);
            reply.headers_mut().insert(
                WWW_AUTHENTICATE,
                actix_web::http::header::HeaderValue::from_static(auth::CHALLENGE),
            );
            reply.head_mut().set_connection_type(ConnectionType::Close);
            return reply;
        }
    }
    let path = req.path();
    let backend = &shared.backend;
    if path.starts_with("/RPC2") {
        rpc2::handle(req, payload, backend).await
    } else if let Some(rest) = path.strip_prefix("/logtail") {
        let rest = percent_decode(rest);
        logtail::process(req, backend, &rest).await
    } else if path.starts_with("/mainlogtail") {
        logtail::main(req, backend)
    } else if path == "/metrics" && policy.is_some_and(|p| p.metrics) {
        metrics::handle(req, backend).await
    } else if let Some(rest) = path.strip_prefix("/api/") {
        api::handle(req, backend, rest).await
    } else {
        ui::handle(req, payload, backend)
            .await
            .unwrap_or_else(|| error_page(StatusCode::NOT_FOUND))
    }
}

/// medusa's error page, which is what Supervisor sends with every error status.
pub(super) fn error_page(status: StatusCode) -> HttpResponse {
    let message = match status.as_u16() {
        // medusa's wording where the http crate's differs.
        413 => "Request Entity Too Large",
        408 => "Request Time-out",
        _ => status.canonical_reason().unwrap_or("Unknown"),
    };
    let body = format!(
        "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n\
         <p>Error code {}.\r\n<p>Message: {message}.\r\n</body>\r\n",
        status.as_u16()
    );
    HttpResponse::build(status)
        .content_type("text/html")
        .body(body)
}

/// `%XX` decoding of a URL path (Supervisor unquotes /logtail paths). Invalid escapes stay
/// as they are; the result is lossy UTF-8.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/g%3Acat/stderr"), "/g:cat/stderr");
        assert_eq!(percent_decode("/a%2"), "/a%2");
        assert_eq!(percent_decode("/a%zz%41"), "/a%zzA");
        assert_eq!(percent_decode("%41"), "A");
    }

    #[test]
    fn error_pages_read_as_medusas() {
        let reply = error_page(StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(reply.status(), 413);
        let body = actix_web::body::MessageBody::try_into_bytes(reply.into_body())
            .ok()
            .unwrap();
        assert!(std::str::from_utf8(&body)
            .unwrap()
            .contains("<p>Message: Request Entity Too Large."));
    }
}
