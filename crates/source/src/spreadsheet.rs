//! CSV as spreadsheets export it: a byte-order mark, and a comma, semicolon or tab between
//! fields depending on the locale. The one place the delimiter is sniffed (coding sheets,
//! codebooks, labels, published tables).

/// The delimiter the header line uses most: comma, semicolon or tab (in that order on a tie).
pub fn sniff_delimiter(text: &[u8]) -> u8 {
    let text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text);
    let first = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |d: u8| first.iter().filter(|b| **b == d).count();
    let mut best = b',';
    for candidate in [b';', b'\t'] {
        if count(candidate) > count(best) {
            best = candidate;
        }
    }
    best
}

/// A CSV reader over a spreadsheet's export: the byte-order mark skipped, the delimiter sniffed
/// ([`sniff_delimiter`]), rows of any length.
pub fn spreadsheet_csv(text: &[u8]) -> csv::Reader<&[u8]> {
    let text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text);
    csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
        .flexible(true)
        .from_reader(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_header_says_the_delimiter() {
        assert_eq!(sniff_delimiter(b"a,b;c\n1;2;3"), b',');
        assert_eq!(sniff_delimiter(b"\xef\xbb\xbfa;b;c\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc;d\n"), b'\t');
        assert_eq!(sniff_delimiter(b"single"), b',');
        let mut r = spreadsheet_csv(b"\xef\xbb\xbfid;name\n1;x;extra\n");
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            ["id", "name"]
        );
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(row.iter().collect::<Vec<_>>(), ["1", "x", "extra"]);
    }
}
