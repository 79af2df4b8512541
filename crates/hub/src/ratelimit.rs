//! The Hub's rate limits, read from every response, and the pacing that follows from them.
//!
//! The Hub counts requests per bucket (`api`, `resolvers`, …) in fixed 5-minute windows and says
//! so on every response:
//!
//! ```text
//! RateLimit: "api";r=489;t=187            remaining requests, seconds to the reset
//! RateLimit-Policy: "fixed window";"api";q=500;w=300
//! ```
//!
//! A [`Pacer`] per bucket spreads the remaining requests evenly over the time left in the window
//! (keeping a small reserve), so a crawl slows down before it hits zero instead of bursting into
//! a wall of 429s; after a 429 every request of the bucket waits for the reset, plus jitter.
//! Quotas change with the account and the window resets on the server's clock, which is why the
//! pacing follows the headers rather than a fixed client-side rate.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest wait a server may ask for, in a `RateLimit` reset, a window or a `Retry-After`:
/// 15 minutes (the Hub's windows are 5). A longer one is cut to this, so that no header can make
/// a crawl sleep for a year, or overflow the clock when added to it.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(15 * 60);

/// Seconds from a server, as a duration no longer than [`MAX_SERVER_WAIT`].
pub fn server_seconds(seconds: u64) -> Duration {
    Duration::from_secs(seconds.min(MAX_SERVER_WAIT.as_secs()))
}

/// `RateLimit: "api";r=489;t=187`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    pub bucket: String,
    pub remaining: u64,
    pub reset: Duration,
}

/// `RateLimit-Policy: "fixed window";"api";q=500;w=300`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatePolicy {
    pub bucket: String,
    pub quota: u64,
    pub window: Duration,
}

/// The quoted strings and `key=value` parameters of a structured header.
fn items(value: &str) -> (Vec<&str>, Vec<(&str, &str)>) {
    let mut quoted = Vec::new();
    let mut params = Vec::new();
    for part in value.split([';', ',']).map(str::trim) {
        if let Some(q) = part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
            quoted.push(q);
        } else if let Some((k, v)) = part.split_once('=') {
            params.push((k.trim(), v.trim().trim_matches('"')));
        }
    }
    (quoted, params)
}

fn number(params: &[(&str, &str)], key: &str) -> Option<u64> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.parse().ok())
}

/// Parses a `RateLimit` header value; `None` when it lacks `r` or `t`.
pub fn parse_ratelimit(value: &str) -> Option<RateLimit> {
    let (quoted, params) = items(value);
    Some(RateLimit {
        bucket: quoted.first().map_or("api", |b| b).to_string(),
        remaining: number(&params, "r")?,
        reset: server_seconds(number(&params, "t")?),
    })
}

/// Parses a `RateLimit-Policy` header value; `None` when it lacks `q` or `w`.
pub fn parse_policy(value: &str) -> Option<RatePolicy> {
    let (quoted, params) = items(value);
    Some(RatePolicy {
        bucket: quoted.last().map_or("api", |b| b).to_string(),
        quota: number(&params, "q")?,
        window: server_seconds(number(&params, "w")?),
    })
}

/// A bucket's state as the Hub last reported it (`None` where it has not said).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BucketState {
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// Time until the window resets.
    pub reset: Option<Duration>,
    /// Requests allowed per window.
    pub quota: Option<u64>,
    pub window: Option<Duration>,
    /// Time left of a wait after a 429.
    pub blocked: Option<Duration>,
}

impl BucketState {
    /// The sustained request rate the policy allows (requests per second).
    pub fn rate(&self) -> Option<f64> {
        match (self.quota, self.window) {
            (Some(q), Some(w)) if !w.is_zero() => Some(q as f64 / w.as_secs_f64()),
            _ => None,
        }
    }
}

/// Paces the requests of one bucket.
#[derive(Debug, Default)]
pub struct Pacer {
    state: Mutex<PacerState>,
    /// The least time between two requests.
    min_interval: Duration,
}

#[derive(Debug, Default)]
struct PacerState {
    /// The earliest time the next request may be sent.
    next_slot: Option<Instant>,
    /// Requests left in the window, as last reported (and counted down since).
    remaining: Option<u64>,
    reset_at: Option<Instant>,
    quota: Option<u64>,
    window: Option<Duration>,
    /// After a 429: nothing is sent before this.
    blocked_until: Option<Instant>,
}

impl Pacer {
    /// A pacer that also keeps `min_interval` between requests.
    pub fn with_min_interval(min_interval: Duration) -> Self {
        Pacer {
            state: Mutex::default(),
            min_interval,
        }
    }

    /// Reserves the next request's slot and returns when it may be sent.
    pub fn reserve(&self, now: Instant) -> Instant {
        let mut s = self.lock();
        let mut start = now;
        if let Some(until) = s.blocked_until {
            if until > now {
                start = until;
            } else {
                s.blocked_until = None;
            }
        }
        let slot = s.next_slot.map_or(start, |next| next.max(start));
        let interval = match (s.remaining, s.reset_at) {
            (Some(remaining), Some(reset)) if reset > slot => {
                // Keep a reserve for other clients of the same account and for retries.
                let reserve = s.quota.map_or(2, |q| (q / 50).max(2));
                let usable = remaining.saturating_sub(reserve);
                if usable == 0 {
                    // Nothing left to spend in this window: the next request goes after the reset.
                    let after_reset = reset + jitter(Duration::from_secs(1));
                    s.next_slot = Some(after_reset);
                    s.remaining = None;
                    return after_reset.max(slot);
                }
                (reset - slot) / u32::try_from(usable).unwrap_or(u32::MAX)
            }
            _ => Duration::ZERO,
        };
        s.next_slot = Some(slot + interval.max(self.min_interval));
        if let Some(r) = s.remaining.as_mut() {
            *r = r.saturating_sub(1);
        }
        slot
    }

    /// Takes in what a response said about the bucket.
    pub fn observe(&self, limit: Option<&RateLimit>, policy: Option<&RatePolicy>, now: Instant) {
        let mut s = self.lock();
        if let Some(policy) = policy {
            s.quota = Some(policy.quota);
            s.window = Some(policy.window);
        }
        if let Some(limit) = limit {
            s.remaining = Some(limit.remaining);
            s.reset_at = Some(now + limit.reset);
        }
    }

    /// After a 429: block the bucket for `wait` (plus jitter, so that many clients do not come
    /// back at the same instant). Returns the instant the bucket reopens.
    pub fn block(&self, wait: Duration, now: Instant) -> Instant {
        let mut s = self.lock();
        let until = now + wait + jitter(wait / 10 + Duration::from_millis(50));
        s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
        s.remaining = None;
        s.reset_at = None;
        s.next_slot = None;
        until
    }

    /// What the bucket looks like now, as far as the Hub said.
    pub fn snapshot(&self, now: Instant) -> BucketState {
        let s = self.lock();
        BucketState {
            remaining: s.remaining,
            reset: s.reset_at.map(|r| r.saturating_duration_since(now)),
            quota: s.quota,
            window: s.window,
            blocked: s
                .blocked_until
                .map(|b| b.saturating_duration_since(now))
                .filter(|d| !d.is_zero()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PacerState> {
        // A panic while holding the lock cannot leave the state inconsistent (plain fields).
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A random duration in `[0, max)`.
fn jitter(max: Duration) -> Duration {
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(fastrand::u64(0..nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_hubs_headers() {
        assert_eq!(
            parse_ratelimit(r#""api";r=489;t=187"#),
            Some(RateLimit {
                bucket: "api".into(),
                remaining: 489,
                reset: Duration::from_secs(187)
            })
        );
        assert_eq!(
            parse_policy(r#""fixed window";"resolvers";q=3000;w=300"#),
            Some(RatePolicy {
                bucket: "resolvers".into(),
                quota: 3000,
                window: Duration::from_secs(300)
            })
        );
        assert_eq!(parse_ratelimit(r#""api";r=x"#), None);
        assert_eq!(parse_ratelimit(""), None);
        assert_eq!(parse_policy(r#""fixed window";"api";q=500"#), None);
    }

    #[test]
    fn a_servers_wait_is_capped_and_never_overflows_the_clock() {
        let huge = parse_ratelimit(r#""api";r=0;t=18446744073709551615"#).unwrap();
        assert_eq!(huge.reset, MAX_SERVER_WAIT);
        let policy = parse_policy(r#""fixed window";"api";q=1;w=99999999999"#).unwrap();
        assert_eq!(policy.window, MAX_SERVER_WAIT);
        let p = Pacer::default();
        let now = Instant::now();
        p.observe(Some(&huge), Some(&policy), now);
        assert!(p.reserve(now) <= now + MAX_SERVER_WAIT + Duration::from_secs(2));
    }

    #[test]
    fn without_headers_there_is_no_delay() {
        let p = Pacer::default();
        let now = Instant::now();
        assert_eq!(p.reserve(now), now);
        assert_eq!(p.reserve(now), now);
    }

    #[test]
    fn a_minimum_interval_caps_the_rate_even_without_headers() {
        let p = Pacer::with_min_interval(Duration::from_millis(250));
        let now = Instant::now();
        let slots: Vec<Instant> = (0..4).map(|_| p.reserve(now)).collect();
        assert_eq!(slots[0], now);
        assert_eq!(slots[3] - slots[0], Duration::from_millis(750));
        // The headers' pacing wins when it is slower.
        let policy = parse_policy(r#""fixed window";"api";q=100;w=300"#);
        let limit = parse_ratelimit(r#""api";r=12;t=100"#);
        p.observe(limit.as_ref(), policy.as_ref(), now);
        let a = p.reserve(now);
        let b = p.reserve(now);
        assert!(b - a >= Duration::from_secs(9), "{:?}", b - a);
    }

    #[test]
    fn the_remaining_quota_is_spread_over_the_window() {
        let p = Pacer::default();
        let now = Instant::now();
        let policy = parse_policy(r#""fixed window";"api";q=100;w=300"#);
        let limit = parse_ratelimit(r#""api";r=12;t=100"#);
        p.observe(limit.as_ref(), policy.as_ref(), now);
        // 12 left, reserve 2: 10 requests over 100 s, one every 10 s.
        let first = p.reserve(now);
        let second = p.reserve(now);
        assert_eq!(first, now);
        assert_eq!(second - first, Duration::from_secs(10));
    }

    #[test]
    fn an_exhausted_window_waits_for_the_reset() {
        let p = Pacer::default();
        let now = Instant::now();
        p.observe(parse_ratelimit(r#""api";r=2;t=30"#).as_ref(), None, now);
        let slot = p.reserve(now);
        assert!(slot >= now + Duration::from_secs(30), "{:?}", slot - now);
        assert!(slot < now + Duration::from_secs(32));
    }

    #[test]
    fn a_429_blocks_the_bucket_until_the_reset() {
        let p = Pacer::default();
        let now = Instant::now();
        let until = p.block(Duration::from_secs(5), now);
        assert!(until >= now + Duration::from_secs(5));
        assert!(until < now + Duration::from_secs(6));
        assert_eq!(p.reserve(now), until);
    }
}
