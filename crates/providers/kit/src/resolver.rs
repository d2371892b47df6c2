//! Name resolution for the outbound client: we look names up ourselves, vet
//! every address, and hand the connector only vetted addresses, so the
//! address judged is the address connected to (no second lookup for a DNS
//! rebinding attack to race).

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::guard::AddressPolicy;

/// A boxed future, as [`Lookup`] returns.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Looks a host name up. The system resolver ([`SystemLookup`]) in
/// production; tests inject their own to script answers.
///
/// Any `Fn(String) -> impl Future<Output = io::Result<Vec<IpAddr>>>` closure
/// is a `Lookup`.
pub trait Lookup: Send + Sync + 'static {
    /// The addresses `host` resolves to.
    fn lookup(&self, host: String) -> BoxFuture<io::Result<Vec<IpAddr>>>;
}

impl<F, Fut> Lookup for F
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = io::Result<Vec<IpAddr>>> + Send + 'static,
{
    fn lookup(&self, host: String) -> BoxFuture<io::Result<Vec<IpAddr>>> {
        Box::pin(self(host))
    }
}

/// The operating system's resolver, through `tokio::net::lookup_host`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: String) -> BoxFuture<io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// A name resolved to at least one forbidden address. Travels through
/// reqwest's error chain and is recognised by the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the host name resolves to a forbidden address: {reason}")]
pub(crate) struct ResolvedToForbidden {
    pub reason: &'static str,
}

/// A name that could not be resolved (or resolved to nothing). The lookup's
/// own message is dropped: it may name the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the host name could not be resolved")]
pub(crate) struct ResolveFailed;

/// Why a name was refused by [`GuardedResolver::resolve_vetted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolveRefusal {
    /// One of its addresses is forbidden.
    Forbidden(&'static str),
    /// It did not resolve.
    NotFound,
}

/// The `reqwest::dns::Resolve` the outbound client is built with.
#[derive(Clone)]
pub struct GuardedResolver {
    policy: Arc<AddressPolicy>,
    lookup: Arc<dyn Lookup>,
}

impl GuardedResolver {
    /// A resolver that looks names up with `lookup` and vets every answer
    /// against `policy`.
    pub fn new(policy: Arc<AddressPolicy>, lookup: Arc<dyn Lookup>) -> Self {
        Self { policy, lookup }
    }

    /// Look `host` up and vet every address. The name is refused if ANY of
    /// its addresses is forbidden (not just filtered: a name that mixes a
    /// public and a loopback address is an attack or a mistake).
    pub async fn resolve_vetted(&self, host: &str) -> Result<Vec<IpAddr>, ResolveRefusal> {
        // Some resolvers answer IP-literal "names" themselves; vet them the
        // same way (the client never sends literals here, but be safe).
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addrs = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => self
                .lookup
                .lookup(host.to_string())
                .await
                .map_err(|_| ResolveRefusal::NotFound)?,
        };
        if addrs.is_empty() {
            return Err(ResolveRefusal::NotFound);
        }
        for ip in &addrs {
            self.policy
                .check_ip(*ip)
                .map_err(ResolveRefusal::Forbidden)?;
        }
        let mut vetted = addrs;
        vetted.dedup();
        Ok(vetted)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            match this.resolve_vetted(&host).await {
                Ok(ips) => {
                    // Port 0: the connector puts the URL's port on each.
                    let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
                    Ok(addrs)
                }
                Err(ResolveRefusal::Forbidden(reason)) => {
                    tracing::warn!(
                        target: "patchbay::outbound",
                        reason,
                        "refused a host name that resolves to a forbidden address"
                    );
                    Err(Box::new(ResolvedToForbidden { reason }) as Box<_>)
                }
                Err(ResolveRefusal::NotFound) => Err(Box::new(ResolveFailed) as Box<_>),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(allow: &[&str], answer: Vec<IpAddr>) -> GuardedResolver {
        let policy = AddressPolicy::new(allow.iter().map(|c| c.parse().unwrap()).collect());
        let lookup = move |_host: String| {
            let answer = answer.clone();
            async move { Ok(answer) }
        };
        GuardedResolver::new(Arc::new(policy), Arc::new(lookup))
    }

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[tokio::test]
    async fn public_name_passes_with_all_its_addresses() {
        let r = resolver(&[], ips(&["93.184.216.34", "2606:2800:220:1::1"]));
        assert_eq!(
            r.resolve_vetted("example.com").await,
            Ok(ips(&["93.184.216.34", "2606:2800:220:1::1"]))
        );
    }

    #[tokio::test]
    async fn mixed_public_and_loopback_is_refused() {
        let r = resolver(&[], ips(&["93.184.216.34", "127.0.0.1"]));
        assert_eq!(
            r.resolve_vetted("rebind.example").await,
            Err(ResolveRefusal::Forbidden("loopback address"))
        );
        let r = resolver(&[], ips(&["::ffff:169.254.169.254", "8.8.8.8"]));
        assert!(matches!(
            r.resolve_vetted("meta.example").await,
            Err(ResolveRefusal::Forbidden(_))
        ));
    }

    #[tokio::test]
    async fn empty_answer_is_not_found() {
        let r = resolver(&[], vec![]);
        assert_eq!(
            r.resolve_vetted("nothing.example").await,
            Err(ResolveRefusal::NotFound)
        );
    }

    #[tokio::test]
    async fn allow_list_lets_loopback_through() {
        let r = resolver(&["127.0.0.0/8"], ips(&["127.0.0.1"]));
        assert_eq!(r.resolve_vetted("svc.test").await, Ok(ips(&["127.0.0.1"])));
    }

    #[tokio::test]
    async fn system_localhost_is_refused() {
        let r = GuardedResolver::new(Arc::new(AddressPolicy::default()), Arc::new(SystemLookup));
        assert_eq!(
            r.resolve_vetted("localhost").await,
            Err(ResolveRefusal::Forbidden("loopback address"))
        );
    }
}
