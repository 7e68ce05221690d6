//! A request body that must arrive whole by a deadline.
//!
//! tower-http's `RequestBodyTimeout` restarts its timer at every frame, so a client that
//! drips one byte just under the timeout holds the request for as long as the body limit
//! allows; here the deadline is fixed when the header arrives. Past it, reading the body
//! fails, which the extractors answer like any unreadable body.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use tokio::time::Sleep;

/// `body`, failing once `timeout` has passed from now.
pub fn limit(body: Body, timeout: Duration) -> Body {
    Body::new(DeadlineBody { body, deadline: Box::pin(tokio::time::sleep(timeout)) })
}

struct DeadlineBody {
    body: Body,
    deadline: Pin<Box<Sleep>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct TooSlow;

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.body).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(TooSlow)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
