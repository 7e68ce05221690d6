//! Serving a test app on a free port of the loopback interface.

use axum::Router;
use tokio::sync::oneshot;

/// Serves `app`; returns its base URL and the sender whose drop shuts the server down.
pub async fn serve(app: Router) -> (String, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_on(listener, app)
}

/// Serves `app` on `listener` (bound by a caller that needed its address first).
pub fn serve_on(listener: tokio::net::TcpListener, app: Router) -> (String, oneshot::Sender<()>) {
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (shutdown, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    (url, shutdown)
}
