//! Durations in the configuration: read with humantime ("90s", "5m", "14days"), written in
//! the largest whole unit ("90days", not humantime's "2months 29days 2h 52m 48s"), so that
//! `--help` shows the defaults as an operator would type them.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

/// Units from the largest, as humantime reads them back.
const UNITS: [(u64, &str); 4] = [(24 * 3600, "days"), (3600, "h"), (60, "m"), (1, "s")];

/// `duration` in the largest unit that divides it; sub-second parts are dropped (no setting
/// needs them).
pub fn format(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (size, unit) = UNITS.into_iter().find(|(size, _)| secs != 0 && secs % size == 0).unwrap_or((1, "s"));
    format!("{}{unit}", secs / size)
}

pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*duration))
}

/// Reads a duration the way an operator writes it, for the file, the environment and flags.
pub fn parse(raw: &str) -> Result<Duration, String> {
    humantime::parse_duration(raw)
        .map_err(|e| format!("{raw:?} is not a duration ({e}); write e.g. 30s, 5m, 12h or 14days"))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formats_in_the_largest_whole_unit_and_reads_back() {
        for (secs, text) in
            [(0, "0s"), (10, "10s"), (300, "5m"), (5400, "90m"), (7200, "2h"), (90 * 86400, "90days")]
        {
            assert_eq!(format(Duration::from_secs(secs)), text);
            assert_eq!(humantime::parse_duration(text).unwrap(), Duration::from_secs(secs));
        }
    }
}
