//! The `Link` header of paginated Hub responses: `<https://…/api/models?…&cursor=…>; rel="next"`.
//! The next page is always the server's link, never a URL built by the client: the cursor encodes
//! where the listing stands.

/// The target of the `rel="next"` link, if any.
pub fn next_link(header: &str) -> Option<&str> {
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
            Some(
                "https://huggingface.co/api/models?sort=createdAt&cursor=eyJ0IjoxfQ%3D%3D&limit=1000"
            )
        );
        let h = r#"<http://a/first>; rel="prev", <http://a/b?x=1,2>; rel="next""#;
        assert_eq!(next_link(h), Some("http://a/b?x=1,2"));
        assert_eq!(next_link(r#"<http://a/p>; rel="prev""#), None);
        assert_eq!(next_link(""), None);
        assert_eq!(next_link("<unclosed; rel=next"), None);
        assert_eq!(next_link("<http://a/n>; rel=next"), Some("http://a/n"));
    }
}
