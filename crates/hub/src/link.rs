//! The `Link` header of paginated Hub responses: `<https://…/api/models?…&cursor=…>; rel="next"`.
//! The next page is always the server's link, never a URL built by the client: the cursor encodes
//! where the listing stands.

use std::collections::HashSet;

use url::Url;

/// The target of the `rel="next"` link: `Ok(None)` when there is none, an error when the
/// target is not a URI reference (empty, or holding `<`, `>`, quotes, spaces or control
/// characters, as in `<<<>>>`), which is refused rather than followed.
pub fn next_link(header: &str) -> Result<Option<&str>, String> {
    match next_target(header) {
        None => Ok(None),
        Some(t) if is_uri_reference(t) => Ok(Some(t)),
        Some(t) => {
            let shown: String = t.chars().take(60).flat_map(char::escape_default).collect();
            Err(format!(
                "the Link header's next target \"{shown}\" is not a URL; refused"
            ))
        }
    }
}

/// Whether `t` may be a URI reference: not empty, and none of the characters RFC 3986 never
/// allows unescaped.
fn is_uri_reference(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 8192
        && !t.chars().any(|c| {
            c.is_control()
                || c.is_whitespace()
                || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
        })
}

/// The pages a listing has read. A next link that returns to one of them (a cursor that repeats,
/// or one that does not advance) would make the crawl loop for ever; the crawler stops instead.
#[derive(Debug, Default)]
pub struct PageTrail {
    seen: HashSet<String>,
}

impl PageTrail {
    /// Notes a page as read.
    pub fn visit(&mut self, url: &Url) {
        self.seen.insert(url.as_str().to_string());
    }

    /// Why following `next` would loop, if it would.
    pub fn check(&self, next: &Url) -> Result<(), String> {
        if self.seen.contains(next.as_str()) {
            Err(format!(
                "the next-page link returns to a page already read ({next}): the listing's \
                 cursor repeats or does not advance; stopping"
            ))
        } else {
            Ok(())
        }
    }
}

fn next_target(header: &str) -> Option<&str> {
    let mut rest = header;
    loop {
        let open = rest.find('<')?;
        let close = open + rest[open..].find('>')?;
        let target = &rest[open + 1..close];
        let after = &rest[close + 1..];
        // Parameters run to the next link (a comma outside quotes).
        let mut end = after.len();
        let mut in_quotes = false;
        for (i, c) in after.char_indices() {
            match c {
                '"' => in_quotes = !in_quotes,
                ',' if !in_quotes => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let params = &after[..end];
        let is_next = params.split(';').map(str::trim).any(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
        if is_next {
            return Some(target);
        }
        rest = &after[end..];
        if rest.is_empty() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_next_link() {
        let h = r#"<https://huggingface.co/api/models?sort=createdAt&cursor=eyJ0IjoxfQ%3D%3D&limit=1000>; rel="next""#;
        assert_eq!(
            next_link(h),
            Ok(Some(
                "https://huggingface.co/api/models?sort=createdAt&cursor=eyJ0IjoxfQ%3D%3D&limit=1000"
            ))
        );
        let h = r#"<http://a/first>; rel="prev", <http://a/b?x=1,2>; rel="next""#;
        assert_eq!(next_link(h), Ok(Some("http://a/b?x=1,2")));
        assert_eq!(next_link(r#"<http://a/p>; rel="prev""#), Ok(None));
        assert_eq!(next_link(""), Ok(None));
        assert_eq!(next_link("<unclosed; rel=next"), Ok(None));
        assert_eq!(next_link("<http://a/n>; rel=next"), Ok(Some("http://a/n")));
    }

    #[test]
    fn a_malformed_target_is_refused() {
        for h in [
            "<<<>>>; rel=next",
            "<<<>>>",
            "<>; rel=next",
            "<http://a/b c>; rel=next",
            "<http://a/\u{1b}[2K>; rel=next",
        ] {
            // `<<<>>>` alone has no rel: nothing to follow, and nothing refused.
            match next_link(h) {
                Ok(None) if !h.contains("rel") => {}
                Err(e) => assert!(e.contains("not a URL"), "{h}: {e}"),
                other => panic!("{h}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_repeated_page_is_caught() {
        let mut trail = PageTrail::default();
        let a = Url::parse("http://127.0.0.1:1/api/models?cursor=x").unwrap();
        assert!(trail.check(&a).is_ok());
        trail.visit(&a);
        assert!(trail.check(&a).unwrap_err().contains("repeats"));
        let b = Url::parse("http://127.0.0.1:1/api/models?cursor=y").unwrap();
        assert!(trail.check(&b).is_ok());
    }
}
