//! `Accept-Language` (RFC 9110 §12.5.4) against the catalogue's languages.

/// The language ranges of `header`, most preferred first: q-values order them (ties keep the
/// header's order, RFC 9110 §12.4.2), `q=0` means "not acceptable" and drops the range, and
/// a malformed q-value drops its range too (a client mistake must not choose for the user).
pub fn ranges(header: &str) -> Vec<String> {
    let mut weighted: Vec<(u16, String)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let range = parts.next().filter(|range| !range.is_empty())?.to_ascii_lowercase();
            let mut quality = 1000;
            for parameter in parts {
                let (name, value) = parameter.split_once('=')?;
                if name.trim().eq_ignore_ascii_case("q") {
                    quality = parse_quality(value.trim())?;
                }
            }
            (quality > 0).then_some((quality, range))
        })
        .collect();
    weighted.sort_by_key(|(quality, _)| std::cmp::Reverse(*quality));
    weighted.into_iter().map(|(_, range)| range).collect()
}

/// A `qvalue` (RFC 9110 §12.4.2: `0[.ddd]` or `1[.000]`) in thousandths.
fn parse_quality(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The first of `available` (lower-case tags) that a range of `header` picks, by RFC 4647
/// §3.4 lookup: a range matches its own tag, else it is shortened a subtag at a time
/// (`fr-ca` finds `fr`). `*` picks nothing: the caller's default (English) stands.
pub fn negotiate<'a>(header: &str, available: &[&'a str]) -> Option<&'a str> {
    ranges(header).iter().find_map(|range| {
        let mut candidate = range.as_str();
        loop {
            if let Some(found) = available.iter().find(|tag| **tag == candidate) {
                return Some(*found);
            }
            candidate = &candidate[..candidate.rfind('-')?];
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_values_order_the_ranges_and_zero_excludes() {
        assert_eq!(ranges("de;q=0.5, FR-ca, en;q=0.8, it;q=0"), ["fr-ca", "en", "de"]);
        assert_eq!(ranges("fr;q=1.5, de;q=0.1234, es;q=x, nl"), ["nl"]);
        assert_eq!(ranges(""), Vec::<String>::new());
    }

    #[test]
    fn lookup_shortens_the_range_and_follows_preference() {
        let available = ["en", "fr"];
        assert_eq!(negotiate("fr-CA, en;q=0.5", &available), Some("fr"));
        assert_eq!(negotiate("de, en;q=0.1, fr;q=0.05", &available), Some("en"));
        assert_eq!(negotiate("de", &available), None);
        assert_eq!(negotiate("*", &available), None);
        assert_eq!(negotiate("fr;q=0, en", &available), Some("en"));
    }
}
