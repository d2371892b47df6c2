//! For the providers' own tests (feature `testing`): clients that may call
//! mock servers on loopback, which the guard refuses in production.

use std::net::TcpListener;
use std::time::Duration;

use crate::client::OutboundConfig;

/// Loopback allowed; a 2 s connect and a 5 s total timeout, so a test that
/// hangs fails quickly.
pub fn client_config() -> OutboundConfig {
    OutboundConfig {
        allow_private_networks: vec!["127.0.0.0/8".parse().expect("a valid CIDR")],
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        ..OutboundConfig::default()
    }
}

/// As [`client_config`], giving up after 300 ms: for timeout tests against
/// a mock that answers late.
pub fn impatient_config() -> OutboundConfig {
    OutboundConfig {
        total_timeout: Duration::from_millis(300),
        ..client_config()
    }
}

/// A loopback port nothing listens on, for connection-refused tests.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("a bound address").port()
}
