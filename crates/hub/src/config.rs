//! Where the Hub is and who we are: `HF_ENDPOINT`, `HF_TOKEN` (else `$HF_HOME/token`, else
//! `~/.cache/huggingface/token`), `HF_HUB_OFFLINE`, and a descriptive User-Agent.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::error::HubError;

/// The public Hub.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// An access token. It cannot be printed: `Debug` shows `Token(…)`, and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Token(token.into())
    }

    pub(crate) fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

/// How to reach the Hub.
#[derive(Debug, Clone)]
pub struct HubConfig {
    pub endpoint: Url,
    pub token: Option<Token>,
    /// `HF_HUB_OFFLINE`: no request is made at all.
    pub offline: bool,
    pub user_agent: String,
    /// Whole-request timeout (connect, headers and body).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Retries of a request after a timeout, a dropped connection or a 5xx.
    pub max_retries: usize,
    /// Upper bound of one retry's backoff.
    pub max_backoff: Duration,
    /// Consecutive 429 answers to one request before giving up.
    pub max_rate_limited: usize,
    /// At most this many requests per second per bucket, whatever the server says (a polite
    /// default for servers that announce no limit, such as a Discourse forum).
    pub max_rate: Option<f64>,
}

impl HubConfig {
    /// A configuration for `endpoint`, without a token.
    pub fn new(endpoint: &str) -> Result<Self, HubError> {
        let endpoint = parse_endpoint(endpoint)?;
        Ok(HubConfig {
            endpoint,
            token: None,
            offline: false,
            user_agent: format!(
                "hubscope/{} (research on the reuse of pre-trained models)",
                env!("CARGO_PKG_VERSION")
            ),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_retries: 6,
            max_backoff: Duration::from_secs(60),
            max_rate_limited: 20,
            max_rate: None,
        })
    }

    /// The configuration the Hugging Face tools use: `HF_ENDPOINT`, `HF_TOKEN`,
    /// `$HF_HOME/token`, `HF_HUB_OFFLINE`.
    pub fn from_env() -> Result<Self, HubError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`HubConfig::from_env`] with the variables read from `var` (for tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, HubError> {
        let endpoint = var("HF_ENDPOINT")
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        let mut config = Self::new(&endpoint)?;
        config.token = token_from_vars(&var)?;
        config.offline = var("HF_HUB_OFFLINE").is_some_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        });
        Ok(config)
    }

    pub fn with_token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self
    }
}

fn parse_endpoint(endpoint: &str) -> Result<Url, HubError> {
    let url = Url::parse(endpoint.trim().trim_end_matches('/'))
        .map_err(|e| HubError::Endpoint(endpoint.to_string(), e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(HubError::Endpoint(
            endpoint.to_string(),
            "expected an http(s) URL with a host".to_string(),
        ));
    }
    Ok(url)
}

/// `HF_TOKEN`, else the token file of `HF_HOME` (default `~/.cache/huggingface`).
fn token_from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<Option<Token>, HubError> {
    if let Some(token) = var("HF_TOKEN")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
    {
        return Ok(Some(Token(token)));
    }
    let home = match var("HF_HOME").filter(|h| !h.is_empty()) {
        Some(home) => PathBuf::from(home),
        None => match var("HOME") {
            Some(home) => PathBuf::from(home).join(".cache/huggingface"),
            None => return Ok(None),
        },
    };
    let path = home.join("token");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.trim().to_string())
            .filter(|t| !t.is_empty())
            .map(Token)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(HubError::TokenFile { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> HubConfig {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HubConfig::from_vars(|k| vars.get(k).cloned()).unwrap()
    }

    #[test]
    fn defaults_and_endpoint_override() {
        let c = config(&[]);
        assert_eq!(c.endpoint.as_str(), "https://huggingface.co/");
        assert!(c.token.is_none() && !c.offline);
        assert!(c.user_agent.starts_with("hubscope/"));
        let c = config(&[
            ("HF_ENDPOINT", "http://127.0.0.1:8080/"),
            ("HF_HUB_OFFLINE", "1"),
        ]);
        assert_eq!(c.endpoint.as_str(), "http://127.0.0.1:8080/");
        assert!(c.offline);
        assert!(HubConfig::new("ftp://example").is_err());
        assert!(HubConfig::new("not a url").is_err());
    }

    #[test]
    fn token_from_variable_then_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "hf_file_token\n").unwrap();
        let home = dir.path().to_str().unwrap();
        let c = config(&[("HF_TOKEN", " hf_var "), ("HF_HOME", home)]);
        assert_eq!(c.token, Some(Token::new("hf_var")));
        let c = config(&[("HF_HOME", home)]);
        assert_eq!(c.token, Some(Token::new("hf_file_token")));
        let c = config(&[("HF_HOME", "/nonexistent/place")]);
        assert_eq!(c.token, None);
    }

    #[test]
    fn a_token_is_never_printed() {
        let c = HubConfig::new("http://127.0.0.1")
            .unwrap()
            .with_token(Token::new("hf_secret"));
        assert!(!format!("{c:?}").contains("hf_secret"));
    }
}
