//! Admin lists are cut in the database by keyset (docs/architecture.md, "Admin API"): paging
//! through more than two pages while rows are added between the requests shows every row
//! that was there from the start exactly once, and every row added after the cursor too.

use std::collections::HashSet;

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use reqwest::Method;
use serde_json::Value;

use crate::admin_kit::{admin, admin_token, assert_problem};
use crate::testkit::TestServer;
use latchkey_store::on_both_backends;

on_both_backends!(
    users_page_through_inserts_without_repeats_or_gaps,
    clients_page_through_inserts_without_repeats_or_gaps,
    sessions_page_through_new_logins_in_id_order_with_filters,
);

/// Every page of `path` (limit 3), calling `between` after each one.
async fn pages(
    server: &TestServer,
    token: &str,
    path: &str,
    field: &str,
    mut between: impl AsyncFnMut(usize),
) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(cursor) => format!("{path}?limit=3&cursor={cursor}"),
            None => format!("{path}?limit=3"),
        };
        let page: Value = admin(server, token, Method::GET, &url).send().await.unwrap().json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        pages.push(items.iter().map(|item| item[field].as_str().unwrap().to_owned()).collect());
        between(pages.len()).await;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    pages
}

async fn users_page_through_inserts_without_repeats_or_gaps(server: TestServer) {
    let token = admin_token(&server).await;
    let first: Vec<String> = (1..=8).map(|i| format!("user{i}0")).collect();
    for name in &first {
        server.add_user(name, &[]).await;
    }
    // After page n: one user sorting before everything seen, one after the cursor.
    let pages = pages(&server, &token, "/users", "username", async |n| {
        server.add_user(&format!("user0{n}"), &[]).await;
        server.add_user(&format!("user9{n}"), &[]).await;
    })
    .await;
    assert!(pages.len() > 2, "{pages:?}");
    let seen: Vec<String> = pages.concat();
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len(), "no repeats: {seen:?}");
    assert!(first.iter().all(|name| seen.contains(name)), "no gaps: {seen:?}");
    assert!(seen.contains(&"user91".to_owned()), "added after the cursor: {seen:?}");
    assert!(!seen.contains(&"user02".to_owned()), "added behind the cursor: {seen:?}");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "in username order");

    let bad = admin(&server, &token, Method::GET, "/users?cursor=not*a*cursor").send().await.unwrap();
    assert_problem(bad, 400).await;
}

async fn clients_page_through_inserts_without_repeats_or_gaps(server: TestServer) {
    let token = admin_token(&server).await;
    for _ in 0..8 {
        server.add_client(ClientKind::Public, &[GrantType::Password], "").await;
    }
    let everything: Value =
        admin(&server, &token, Method::GET, "/clients?limit=200").send().await.unwrap().json().await.unwrap();
    let first: Vec<String> = everything["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].as_str().unwrap().to_owned())
        .collect();
    let mut added = Vec::new();
    let pages = pages(&server, &token, "/clients", "client_id", async |_| {
        added.push(server.add_client(ClientKind::Public, &[GrantType::Password], "").await.0);
    })
    .await;
    assert!(pages.len() > 2, "{pages:?}");
    let seen: Vec<String> = pages.concat();
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len(), "no repeats: {seen:?}");
    assert!(first.iter().all(|id| seen.contains(id)), "no gaps: {seen:?}");
    assert!(seen.iter().all(|id| first.contains(id) || added.contains(id)));
}

/// Every live session's id, in one page.
async fn session_ids(server: &TestServer, token: &str, query: &str) -> Vec<String> {
    let url = format!("/sessions?limit=200{query}");
    let page: Value = admin(server, token, Method::GET, &url).send().await.unwrap().json().await.unwrap();
    page["items"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

async fn sessions_page_through_new_logins_in_id_order_with_filters(server: TestServer) {
    let token = admin_token(&server).await;
    let app = server.with_app_and_alice().await;
    for _ in 0..5 {
        server.login_alice(&app).await;
    }
    let bob = server.add_user("bob", &[]).await;
    let first = session_ids(&server, &token, "").await;
    assert_eq!(first.len(), 5);
    let mut logins = 0usize;
    let pages = pages(&server, &token, "/sessions", "id", async |_| {
        if logins < 3 {
            logins += 1;
            server.login_alice(&app).await;
        }
    })
    .await;
    assert!(pages.len() > 1, "{pages:?}");
    let seen: Vec<String> = pages.concat();
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len(), "no repeats: {seen:?}");
    assert!(first.iter().all(|id| seen.contains(id)), "no gaps: {seen:?}");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "in id order");
    assert_eq!(session_ids(&server, &token, "").await.len(), 5 + logins, "and those of the logins meanwhile");
    let alice_at_app = session_ids(&server, &token, &format!("&client_id={app}")).await;
    assert_eq!(alice_at_app.len(), 5 + logins);
    assert!(session_ids(&server, &token, &format!("&user_id={}&client_id={app}", bob.id)).await.is_empty());
}
