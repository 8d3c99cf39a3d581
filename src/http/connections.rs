//! Connections counted per client address: one address (one attacker, or one runaway client)
//! may hold at most `cap` connections at once; past it, a new connection is shut as soon as it
//! is accepted, before it can take a worker's connection slot for long. Other addresses keep
//! being served.

use std::any::Any;
use std::collections::HashMap;
use std::net::{IpAddr, Shutdown};
use std::sync::{Arc, Mutex};

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;

/// The address a limit counts a client by: an IPv4 address as it is (an IPv4-mapped IPv6 one
/// as IPv4), an IPv6 address by its /64 network, which one subscriber usually holds whole (so
/// that rotating through it does not buy a fresh allowance).
pub fn client_address(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(network.into())
            }
        },
    }
}

/// How many connections each address holds now.
pub struct PerAddress {
    held: Mutex<HashMap<IpAddr, Count>>,
    cap: usize,
}

#[derive(Default)]
struct Count {
    open: usize,
    /// Whether the log already said this address reached its cap (until it drops to zero).
    warned: bool,
}

/// One connection's place in its address's count, given back when actix drops the
/// connection's extensions (the connection has ended).
struct Held {
    table: Arc<PerAddress>,
    address: IpAddr,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut held = self.table.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = held.get_mut(&self.address) {
            count.open = count.open.saturating_sub(1);
            if count.open == 0 {
                held.remove(&self.address);
            }
        }
    }
}

impl PerAddress {
    pub fn new(cap: usize) -> Arc<PerAddress> {
        Arc::new(PerAddress {
            held: Mutex::new(HashMap::new()),
            cap,
        })
    }

    /// Count a new connection from `address`; false when the address is at its cap.
    fn admit(self: &Arc<Self>, address: IpAddr) -> Option<Held> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let count = held.entry(address).or_default();
        if count.open >= self.cap {
            if !count.warned {
                count.warned = true;
                log::warn!(
                    "{address} holds {} connections, the most one address may: its new \
                     connections are closed until it holds fewer",
                    count.open
                );
            }
            return None;
        }
        count.open += 1;
        Some(Held {
            table: self.clone(),
            address,
        })
    }

    /// For `HttpServer::on_connect`: admit the connection (without Nagle's delay), or shut it
    /// at once.
    pub fn on_connect(self: &Arc<Self>, io: &dyn Any, extensions: &mut Extensions) {
        let Some(stream) = io.downcast_ref::<TcpStream>() else {
            return;
        };
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        // An answer sent in pieces (a streamed download) must not wait for the client's delayed
        // ACK before each piece (Nagle's algorithm: 40 ms a time on Linux).
        let _ = stream.set_nodelay(true);
        match self.admit(client_address(peer.ip())) {
            Some(held) => {
                extensions.insert(held);
            }
            // Shut both ways: the connection's reads end at once, and actix drops it.
            None => {
                let _ = socket2::SockRef::from(stream).shutdown(Shutdown::Both);
            }
        }
    }

    /// Connections held by `address` now.
    pub fn open(&self, address: IpAddr) -> usize {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.get(&address).map_or(0, |count| count.open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_network_counts_as_one_client() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_address(a), client_address(b));
        assert_ne!(client_address(a), client_address(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(
            client_address(mapped),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn an_address_is_capped_and_its_places_come_back() {
        let table = PerAddress::new(2);
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.2".parse().unwrap(), "127.0.0.1".parse().unwrap());
        let first = table.admit(a).unwrap();
        let _second = table.admit(a).unwrap();
        assert!(
            table.admit(a).is_none(),
            "a third connection from the same address"
        );
        assert!(table.admit(b).is_some(), "another address is not affected");
        drop(first);
        assert_eq!(table.open(a), 1);
        assert!(table.admit(a).is_some());
    }
}
