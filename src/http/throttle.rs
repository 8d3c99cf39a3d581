//! Key guessing slowed down: after `limit` refused keys from one address within a minute, that
//! address is answered 429 (with `Retry-After`) until the minute is over, whatever it sends.
//! Other addresses are never slowed: a correct key from elsewhere goes through as before.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::http::auth::key_header;
use crate::http::connections::client_address;
use crate::http::errors::message_response;

/// The window failures are counted in.
const WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered at most; past it, those whose window is over are forgotten.
const MAX_ADDRESSES: usize = 100_000;

pub struct AuthThrottle {
    limit: u32,
    failures: Mutex<HashMap<IpAddr, Failures>>,
}

struct Failures {
    since: Instant,
    count: u32,
}

impl AuthThrottle {
    /// Allow `limit` refused keys per address per minute.
    pub fn new(limit: u32) -> AuthThrottle {
        AuthThrottle {
            limit,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// How long `address` must wait, if it is over its limit now.
    fn wait(&self, address: IpAddr, now: Instant) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let entry = failures.get(&address)?;
        let elapsed = now.duration_since(entry.since);
        (entry.count >= self.limit && elapsed < WINDOW).then(|| WINDOW - elapsed)
    }

    fn failed(&self, address: IpAddr, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_ADDRESSES && !failures.contains_key(&address) {
            // Rarely: once per half the table's worth of new addresses at most.
            failures.retain(|_, entry| now.duration_since(entry.since) < WINDOW);
            if failures.len() >= MAX_ADDRESSES / 2 {
                log::warn!(
                    "wrong keys from more than {} addresses within a minute: their counts are \
                     forgotten",
                    MAX_ADDRESSES / 2
                );
                failures.clear();
            }
        }
        let entry = failures.entry(address).or_insert(Failures {
            since: now,
            count: 0,
        });
        if now.duration_since(entry.since) >= WINDOW {
            *entry = Failures {
                since: now,
                count: 0,
            };
        }
        entry.count = entry.count.saturating_add(1);
        if entry.count == self.limit {
            log::warn!(
                "{address}: {} refused API keys within a minute; its requests are answered 429 \
                 until the minute is over",
                self.limit
            );
        }
    }
}

/// A request that presented a key (a guess, if it is refused), as opposed to one that sent
/// none, such as the health check or the admin page's own files.
fn presents_a_key(req: &ServiceRequest) -> bool {
    key_header(req.headers()).is_some()
}

pub async fn throttle_key_guessing(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let throttle = req.app_data::<web::Data<AuthThrottle>>().cloned();
    let address = req.peer_addr().map(|peer| client_address(peer.ip()));
    let (Some(throttle), Some(address)) = (throttle, address) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    if let Some(wait) = throttle.wait(address, Instant::now()) {
        let seconds = wait.as_secs() + 1;
        let mut answer = message_response(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("Too many wrong API keys from this address; try again in {seconds} seconds"),
        );
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        return Ok(req.into_response(answer));
    }
    let guessed = presents_a_key(&req);
    let response = next.call(req).await?;
    if guessed && response.status() == StatusCode::UNAUTHORIZED {
        throttle.failed(address, Instant::now());
    }
    Ok(response.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_waits_out_its_minute_and_others_never_wait() {
        let throttle = AuthThrottle::new(3);
        let (guesser, other): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let start = Instant::now();
        for _ in 0..2 {
            throttle.failed(guesser, start);
        }
        assert_eq!(
            throttle.wait(guesser, start),
            None,
            "two failures are allowed"
        );
        throttle.failed(guesser, start);
        let wait = throttle
            .wait(guesser, start + Duration::from_secs(10))
            .unwrap();
        assert_eq!(wait, Duration::from_secs(50));
        assert_eq!(throttle.wait(other, start), None);
        assert_eq!(throttle.wait(guesser, start + WINDOW), None, "a new minute");
        throttle.failed(guesser, start + WINDOW);
        assert_eq!(
            throttle.wait(guesser, start + WINDOW),
            None,
            "counted afresh"
        );
    }
}
