#![allow(clippy::unwrap_used)]
use latchkey_store::testing::TestDatabase;
use latchkey_store::*;
#[tokio::main]
async fn main() {
    for db in [Some(TestDatabase::sqlite()), TestDatabase::postgres()].into_iter().flatten() {
        let store = db.store().await;
        store.create_user(&NewUser { id: "u".into(), username: "u".into(), email: None, roles: vec![], password_hash: "h".into() }, 0).await.unwrap();
        store.create_client(&NewClient { id: "c".into(), name: "c".into(), kind: ClientKind::Public, secret_hash: None, grant_types: vec![], scopes: vec![], access_token_ttl: None, refresh_idle_ttl: None, refresh_absolute_ttl: None, reuse_window: None }, 0).await.unwrap();
        let n = 16;
        for i in 0..n { store.create_session(&NewSession { id: format!("s{i}"), user_id: "u".into(), client_id: "c".into(), scope: "".into(), auth_time: 0, created_at: 0, idle_expires_at: i64::MAX/2, absolute_expires_at: i64::MAX/2, ip: None, user_agent: None }).await.unwrap(); }
        // sequential
        let t = std::time::Instant::now();
        for g in 0..500 { store.rotate_session("s0", g, 1, 100).await.unwrap().unwrap(); }
        println!("{:?} sequential: {:.0}/s", db.backend(), 500.0 / t.elapsed().as_secs_f64());
        // 16 concurrent families
        let t = std::time::Instant::now();
        let tasks: Vec<_> = (0..n).map(|i| { let s = store.clone(); tokio::spawn(async move { for g in 0..200 { s.rotate_session(&format!("s{i}"), if i == 0 { 500 + g } else { g }, 1, 100).await.unwrap().unwrap(); } }) }).collect();
        for t in tasks { t.await.unwrap(); }
        println!("{:?} 16 concurrent: {:.0}/s", db.backend(), (n * 200) as f64 / t.elapsed().as_secs_f64());
    }
}
