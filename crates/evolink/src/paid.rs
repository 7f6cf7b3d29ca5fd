//! The decision at the heart of the money path: after one attempt of the paid create call,
//! what do we know? One pure function of what was sent and what came back, so every case is
//! written down once and tested as a table (see the tests below).

/// How far one attempt got before it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sending {
    /// The request never left this computer: it could not be built (a key that cannot go into
    /// a header, say) or the connection was never made (refused, DNS, TLS, connect timeout).
    NotSent,
    /// The request went out (or may have, in part).
    Sent,
}

/// What came back for a request that went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// No answer at all: timeout, reset, the connection closed before a status line.
    None,
    /// A status line, and what the body turned out to be.
    Status { status: u16, body: Body },
}

/// The body of an answer, as far as the create call cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// JSON with a task id (for a 2xx), or an error body (for the rest).
    Read,
    /// JSON without a task id, or not JSON at all.
    Unreadable,
    /// The connection broke while the body was being read.
    Cut,
}

/// What an attempt means for the person's money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// EvoLink accepted the task and we have its id: follow it.
    Accepted,
    /// Nothing was created and the same request may succeed later (rate limit, EvoLink busy
    /// before accepting, no connection): send it again later with the same idempotency key.
    Retry,
    /// Nothing was created and sending the same request again will not help (refused with a
    /// reason: bad key, no credits, invalid, moderation...).
    NotSent,
    /// The request may have been accepted and its answer was lost: it must be reconciled (look
    /// the task up, or resend with the same key), never sent again as a new task.
    Uncertain,
}

/// Decides what one attempt of the paid create call means.
pub fn decide(sending: Sending, answer: Answer) -> Decision {
    match (sending, answer) {
        // Nothing left the computer: nothing can have been created.
        (Sending::NotSent, _) => Decision::Retry,
        (Sending::Sent, Answer::None) => Decision::Uncertain,
        (Sending::Sent, Answer::Status { status, body }) => match status {
            200..=299 if body == Body::Read => Decision::Accepted,
            // Accepted, but we cannot tell which task it made.
            200..=299 => Decision::Uncertain,
            // Refused before acceptance: "too many requests", "request timeout" (the server
            // gave up reading it), "busy, try later" (EvoLink answers 503 before it accepts).
            408 | 429 | 503 => Decision::Retry,
            // Any other refusal with a reason: nothing was created. The status line decides,
            // even when the error body was cut short.
            400..=499 => Decision::NotSent,
            // 500, 502, 504 and the rest: the server may have created the task before failing.
            _ => Decision::Uncertain,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every combination of what was sent and what came back, with its meaning.
    #[test]
    fn the_whole_table() {
        use Body::*;
        use Decision::*;
        let statuses = [
            100, 200, 201, 204, 302, 400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502,
            503, 504, 520,
        ];
        for answer in std::iter::once(Answer::None).chain(statuses.iter().flat_map(|&status| {
            [Read, Unreadable, Cut].map(|body| Answer::Status { status, body })
        })) {
            assert_eq!(
                decide(Sending::NotSent, answer),
                Retry,
                "nothing sent, {answer:?}"
            );
            let expected = match answer {
                Answer::None => Uncertain,
                Answer::Status { status, body } => match (status, body) {
                    (200 | 201 | 204, Read) => Accepted,
                    (200 | 201 | 204, Unreadable | Cut) => Uncertain,
                    (408 | 429 | 503, _) => Retry,
                    (400 | 401 | 402 | 403 | 404 | 409 | 413 | 422, _) => NotSent,
                    (100 | 302 | 500 | 502 | 504 | 520, _) => Uncertain,
                    other => panic!("the table misses {other:?}"),
                },
            };
            assert_eq!(decide(Sending::Sent, answer), expected, "sent, {answer:?}");
        }
    }
}
