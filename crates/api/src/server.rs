//! The HTTP server: the app on actix-http's HTTP/1 service, each connection
//! wrapped in a `ProblemStream` (see `connection`) so the HTTP layer's own
//! error answers are problems too. actix-web's `HttpServer` builds the same
//! service but gives no way to wrap the connection, so this builds it the
//! way `HttpServer` does for a plain TCP listener, with the same settings.

use std::future::ready;
use std::io;
use std::net::TcpListener;
use std::time::Duration;

use actix_http::HttpService;
use actix_http::error::DispatchError;
use actix_server::Server;
use actix_service::{IntoServiceFactory, ServiceFactoryExt, fn_service, map_config};
use actix_web::dev::AppConfig;
use actix_web::rt::net::TcpStream;

use crate::connection::ProblemStream;
use crate::{ApiConfig, ApiState};

/// How the server runs.
#[derive(Clone, Debug)]
pub struct ServerSettings {
    /// Worker threads; 0 for one per core.
    pub workers: usize,
    /// How long a client may take to send a request's head before 408.
    pub client_request_timeout: Duration,
    /// How long in-flight requests may take to finish on shutdown.
    pub shutdown_timeout: Duration,
}

/// How long a connection whose answer was sent may take to close before it
/// is dropped (`HttpServer`'s default).
const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Serve the app on `listener` until the returned server is stopped (in-flight
/// requests finish, within the shutdown timeout). Signals are the caller's:
/// the binary stops its delivery workers at the moment it stops the server.
pub fn serve(
    listener: TcpListener,
    settings: &ServerSettings,
    state: ApiState,
    config: ApiConfig,
) -> io::Result<Server> {
    let addr = listener.local_addr()?;
    let mut builder = Server::build()
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .disable_signals();
    if settings.workers > 0 {
        builder = builder.workers(settings.workers);
    }
    let shutdown = builder.graceful_shutdown_signal();
    let request_timeout = settings.client_request_timeout;
    let builder = builder.listen("patchbay", listener, move || {
        let app = crate::app(state.clone(), config.clone());
        let shutdown = shutdown.clone();
        let http = HttpService::build()
            .client_request_timeout(request_timeout)
            .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
            .local_addr(addr)
            // Idle keep-alive connections close when the server stops.
            .graceful_shutdown_signal(move || {
                let shutdown = shutdown.clone();
                async move { shutdown.notified().await }
            })
            // The app reads nothing from its config (no URL generation, no
            // connection info), and actix-web builds one only this way.
            .h1(map_config(app.into_factory(), |_| AppConfig::default()));
        fn_service(|io: TcpStream| {
            let peer = io.peer_addr().ok();
            ready(Ok::<_, DispatchError>((ProblemStream::new(io), peer)))
        })
        .and_then(http)
    })?;
    Ok(builder.run())
}
