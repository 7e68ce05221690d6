//! E-mail delivery survives a mail-server outage (docs/architecture.md, "E-mail delivery"):
//! forgotten-password e-mails requested while the SMTP server is down are answered at once,
//! kept in the outbox, and sent when it comes back — each exactly once, with two servers
//! (each with its own outbox worker) on one database, on SQLite and PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use latchkey_store::testing::TestDatabase;
use latchkey_store::{SqlStore, Store};

use crate::recovery::request_link;
use crate::smtp_sink::{free_port, SmtpSink};
use crate::testkit::{test_config, TestServer};

latchkey_store::on_both_backends!(mail_queued_while_smtp_is_down_is_sent_once_when_it_returns);

async fn mail_queued_while_smtp_is_down_is_sent_once_when_it_returns(db: TestDatabase) {
    let port = free_port();
    let config =
        latchkey_server::Config { smtp_url: Some(format!("smtp://127.0.0.1:{port}")), ..test_config() };
    let url = db.url.clone();
    let server = TestServer::start_on(db, None, config).await;
    let second_store = SqlStore::connect(&url).await.unwrap();
    let second_store: Arc<dyn Store> = Arc::new(second_store);
    let _second = server.latchkey.start_beside(second_store, server.clock.clone()).await.unwrap();
    let users = ["alice", "bob", "carol", "dave"];
    for user in users {
        server.add_user(user, &[]).await;
    }

    for user in users {
        let started = std::time::Instant::now();
        let answer = request_link(&server, &format!("{user}@example.com")).await;
        assert_eq!(answer.status(), 200, "the request answers while the mail server is down");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(server.store.outbox_len().await.unwrap(), 4, "kept after failed attempts");

    let mut sink = SmtpSink::start_on(port).await;
    server.clock.advance(3_600);
    let mut recipients = Vec::new();
    for _ in users {
        recipients.extend(sink.next_mail().await.to);
    }
    recipients.sort();
    assert_eq!(recipients, users.map(|user| format!("{user}@example.com")));
    assert!(sink.mail_within(Duration::from_secs(4)).await.is_none(), "each e-mail was sent once");
    assert_eq!(server.store.outbox_len().await.unwrap(), 0);
}
