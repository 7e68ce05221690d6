//! Cursor pagination of admin lists: a page holds at most `limit` items (default
//! [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`]) and, when more follow, the opaque `next_cursor`
//! to pass as `cursor` for the next page. A cursor names the last item of the page, so pages
//! stay right while items are added or removed.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
}

/// One page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Present when more items follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The page after `query.cursor` of `items`, which are sorted by `key`, ascending, each
/// shown as a `V`.
pub fn page_by_key<T, V>(items: Vec<T>, query: &PageQuery, key: impl Fn(&T) -> &str) -> Page<V>
where
    V: for<'a> From<&'a T>,
{
    let limit = query.limit();
    let after = query.cursor.as_deref();
    let mut rest = items.iter().filter(|item| after.is_none_or(|after| key(item) > after)).peekable();
    let page: Vec<&T> = rest.by_ref().take(limit).collect();
    let next_cursor = match (rest.peek(), page.last()) {
        (Some(_), Some(last)) => Some(key(last).to_owned()),
        _ => None,
    };
    Page { items: page.into_iter().map(V::from).collect(), next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_of(items: &[&str], cursor: Option<&str>, limit: u32) -> (Vec<String>, Option<String>) {
        let query = PageQuery { cursor: cursor.map(str::to_owned), limit: Some(limit) };
        let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        let page: Page<String> = page_by_key(items, &query, |s| s.as_str());
        (page.items, page.next_cursor)
    }

    #[test]
    fn pages_follow_each_other_without_gaps_or_repeats() {
        let all = ["a", "b", "c", "d", "e"];
        assert_eq!(page_of(&all, None, 2), (vec!["a".into(), "b".into()], Some("b".into())));
        assert_eq!(page_of(&all, Some("b"), 2), (vec!["c".into(), "d".into()], Some("d".into())));
        assert_eq!(page_of(&all, Some("d"), 2), (vec!["e".into()], None));
        // An item removed after the cursor was handed out moves nothing.
        assert_eq!(page_of(&["a", "c", "d"], Some("b"), 2), (vec!["c".into(), "d".into()], None));
    }
}
