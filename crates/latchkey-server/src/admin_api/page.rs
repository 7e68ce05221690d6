//! Cursor pagination of admin lists: a page holds at most `limit` items (default
//! [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`]) and, when more follow, the opaque `next_cursor`
//! to pass as `cursor` for the next page. A cursor names the last item of the page (its key,
//! base64url-encoded so that callers do not build their own), so pages stay right while items
//! are added or removed: the next page is the items whose key sorts after it.
//!
//! Every list is cut in SQL (keyset pagination: `key > $cursor ORDER BY key LIMIT n + 1`, the
//! extra row only telling that more follow; [`page_of_rows`]).

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
pub fn page_of_rows<T, V>(rows: Vec<T>, query: &PageQuery, key: impl Fn(&T) -> String) -> Page<V>
where
    V: for<'a> From<&'a T>,
{
    page_of_rows_shown(rows, query, key, |row| V::from(row))
}

/// [`page_of_rows`] for views that need more than the row (`show`).
pub fn page_of_rows_shown<T, V>(
    mut rows: Vec<T>,
    query: &PageQuery,
    key: impl Fn(&T) -> String,
    show: impl Fn(&T) -> V,
) -> Page<V> {
    let more = rows.len() > query.limit();
    rows.truncate(query.limit());
    let next_cursor = if more { rows.last().map(|last| cursor_of(&key(last))) } else { None };
    Page { items: rows.iter().map(show).collect(), next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_names_its_last_key_only_when_more_rows_follow() {
        let query = PageQuery { cursor: None, limit: Some(2) };
        let rows = vec!["a".to_owned(), "b".into(), "c".into()]; // the extra row: more follow
        let page: Page<String> = page_of_rows(rows, &query, String::clone);
        assert_eq!(page.items, ["a", "b"]);
        let next = PageQuery { cursor: page.next_cursor, limit: Some(2) };
        assert_eq!(next.after().unwrap().as_deref(), Some("b"), "the next page starts after b");
        let last: Page<String> = page_of_rows(vec!["c".to_owned()], &next, String::clone);
        assert_eq!((last.items, last.next_cursor), (vec!["c".to_owned()], None));
    }

    #[test]
    fn a_cursor_not_made_here_is_refused() {
        let query = PageQuery { cursor: Some("not base64!".into()), limit: None };
        assert!(query.after().is_err());
    }
}
