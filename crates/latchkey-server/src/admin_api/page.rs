//! Cursor pagination of admin lists: a page holds at most `limit` items (default
//! [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`]) and, when more follow, the opaque `next_cursor`
//! to pass as `cursor` for the next page. A cursor names the last item of the page (its key,
//! base64url-encoded so that callers do not build their own), so pages stay right while items
//! are added or removed: the next page is the items whose key sorts after it.
//!
//! Users, clients and audit events are cut in SQL (keyset pagination: `key > $cursor ORDER BY
//! key LIMIT n + 1`, the extra row only telling that more follow; [`page_of_rows`]); the short
//! lists (sessions of the server, signing keys) in memory ([`page_by_key`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::Problem;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// The pagination parameters every list takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Most items in the page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

impl PageQuery {
    /// The page size asked for, within bounds.
    pub fn limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize
    }

    /// How many rows to fetch: one more than the page, to tell whether another follows.
    pub fn rows(&self) -> i64 {
        self.limit() as i64 + 1
    }

    /// The key of the last item of the previous page, from the cursor.
    pub fn after(&self) -> Result<Option<String>, Problem> {
        let refused = || Problem::bad_request("the cursor is not one this API gave");
        let Some(cursor) = &self.cursor else { return Ok(None) };
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| refused())?;
        String::from_utf8(bytes).map(Some).map_err(|_| refused())
    }
}

/// The cursor that names `key`.
fn cursor_of(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// One page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Present when more items follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The page of `rows`, fetched from the database as [`PageQuery::rows`] rows after
/// [`PageQuery::after`] in the order of `key`, each shown as a `V`.
pub fn page_of_rows<T, V>(mut rows: Vec<T>, query: &PageQuery, key: impl Fn(&T) -> String) -> Page<V>
where
    V: for<'a> From<&'a T>,
{
    let more = rows.len() > query.limit();
    rows.truncate(query.limit());
    let next_cursor = if more { rows.last().map(|last| cursor_of(&key(last))) } else { None };
    Page { items: rows.iter().map(V::from).collect(), next_cursor }
}

/// The page after `query.cursor` of `items`, which are sorted by `key`, ascending.
pub fn page_by_key<T, V>(
    items: Vec<T>,
    query: &PageQuery,
    key: impl Fn(&T) -> &str,
) -> Result<Page<V>, Problem>
where
    V: for<'a> From<&'a T>,
{
    let after = query.after()?;
    let rest: Vec<T> =
        items.into_iter().filter(|item| after.as_deref().is_none_or(|after| key(item) > after)).collect();
    let rows: Vec<T> = rest.into_iter().take(query.limit() + 1).collect();
    Ok(page_of_rows(rows, query, |item| key(item).to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_of(items: &[&str], cursor: Option<String>, limit: u32) -> (Vec<String>, Option<String>) {
        let query = PageQuery { cursor, limit: Some(limit) };
        let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        let page: Page<String> = page_by_key(items, &query, |s| s.as_str()).unwrap();
        (page.items, page.next_cursor)
    }

    #[test]
    fn pages_follow_each_other_without_gaps_or_repeats() {
        let all = ["a", "b", "c", "d", "e"];
        let (first, after_b) = page_of(&all, None, 2);
        assert_eq!(first, ["a", "b"]);
        let (second, after_d) = page_of(&all, after_b.clone(), 2);
        assert_eq!(second, ["c", "d"]);
        assert_eq!(page_of(&all, after_d, 2), (vec!["e".into()], None));
        // An item removed after the cursor was handed out moves nothing.
        assert_eq!(page_of(&["a", "c", "d"], after_b, 2), (vec!["c".into(), "d".into()], None));
    }

    #[test]
    fn a_cursor_not_made_here_is_refused() {
        let query = PageQuery { cursor: Some("not base64!".into()), limit: None };
        assert!(query.after().is_err());
    }
}
