//! The setters that calls and the client builder share, each written (and documented) once.
//!
//! A setting given to a [`ClientBuilder`](crate::ClientBuilder) applies to every call of the
//! client; the same setting given to a call wins over the client's for that call only. The
//! macros write inherent methods (not a trait), so that each setter is called without importing
//! anything.

/// The request settings of every call (prompt and endpoint calls) and of the client builder:
/// `timeout`, `retry_policy`, `max_attempts`, `first_byte_timeout`, `idle_timeout`. `timeout:`
/// names the receiver's `Option<Duration>` field, `transport:` its
/// [`TransportOverrides`](crate::transport::TransportOverrides) field.
macro_rules! request_setters {
    (timeout: $($timeout:ident).+, transport: $($transport:ident).+ $(,)?) => {
        /// The total deadline of each request (default
        /// [`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT)), every transport retry and every wait
        /// between attempts included. It also bounds each tool call a prompt call runs and the
        /// reading of each awaited answer into its return type: an answer not read by then is
        /// rejected, and asked for again as an unreadable answer is. A call's deadline wins
        /// over its client's.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self$(.$timeout)+ = Some(timeout);
            self
        }

        /// How requests that fail for transient reasons (rate limits, overload, resets,
        /// stalls) are sent again (default [`RetryPolicy::default`](crate::RetryPolicy): 3
        /// attempts; test doubles: 1). A call's policy wins over its client's. Not to be
        /// confused with `retries`, which re-asks the model after an undecodable answer.
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self$(.$transport)+.retry_policy = Some(policy);
            self
        }

        /// How many times each request may be sent in all, the first attempt included (1 turns
        /// transport retries off), over whichever [`retry_policy`](Self::retry_policy) is in
        /// force, the call's or else the client's. Not to be confused with `retries`, which
        /// re-asks the model after an undecodable answer.
        pub fn max_attempts(mut self, attempts: u32) -> Self {
            self$(.$transport)+.max_attempts = Some(attempts);
            self
        }

        /// The deadline from sending each request to its status line (default: none but the
        /// total deadline, since a non-streamed answer arrives only once the model has
        /// finished). A stalled attempt that reaches it is retried. A call's deadline wins
        /// over its client's.
        pub fn first_byte_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self$(.$transport)+.first_byte_timeout = Some(timeout);
            self
        }

        /// The longest silence allowed between two chunks of a response body (default
        /// [`DEFAULT_IDLE_TIMEOUT`](crate::DEFAULT_IDLE_TIMEOUT)). A non-streamed body that
        /// stalls is retried; a stream that stalls ends with
        /// [`Error::Timeout`](crate::Error::Timeout). A call's deadline wins over its client's.
        pub fn idle_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self$(.$transport)+.idle_timeout = Some(timeout);
            self
        }
    };
}

/// The answer settings of prompt calls and of the client builder: `mode`, `retries`,
/// `max_steps` and the media policy with its shorthands. Each names the receiver's field:
/// `Option<Mode>`, `Option<u32>`, `Option<u32>`, [`MediaPolicy`](crate::MediaPolicy).
macro_rules! answer_setters {
    (
        mode: $mode:ident,
        retries: $retries:ident,
        max_steps: $max_steps:ident,
        media: $media:ident $(,)?
    ) => {
        /// The structured-output mode (default: chosen per model family, then stepped down
        /// when the server rejects it). A call's mode wins over its client's.
        pub fn mode(mut self, mode: $crate::Mode) -> Self {
            self.$mode = Some(mode);
            self
        }

        /// How many times to re-ask the model after an undecodable or invalid answer (default
        /// [`DEFAULT_RETRIES`](crate::DEFAULT_RETRIES)). Not to be confused with transport
        /// retries: requests that fail for transient reasons are sent again under
        /// [`max_attempts`](Self::max_attempts) and [`retry_policy`](Self::retry_policy).
        pub fn retries(mut self, retries: u32) -> Self {
            self.$retries = Some(retries);
            self
        }

        /// The most rounds of tool calls a call runs before failing with
        /// [`Error::MaxSteps`](crate::Error::MaxSteps) (default
        /// [`DEFAULT_MAX_STEPS`](crate::DEFAULT_MAX_STEPS)).
        pub fn max_steps(mut self, max_steps: u32) -> Self {
            self.$max_steps = Some(max_steps);
            self
        }

        /// How media arguments are sent: fields this policy leaves unset come from the
        /// previous policy (a call's: from its client's; the client's: from the model family).
        pub fn media_policy(mut self, policy: $crate::MediaPolicy) -> Self {
            self.$media = policy.over(self.$media);
            self
        }

        /// Whether media URLs the target only takes inline are downloaded (default on); off,
        /// they are an error before sending. See [`UrlHandling`](crate::UrlHandling).
        pub fn download_media(mut self, on: bool) -> Self {
            self.$media = self.$media.download(on);
            self
        }

        /// The most bytes one media download may have (default
        /// [`DEFAULT_MAX_MEDIA_DOWNLOAD_BYTES`](crate::DEFAULT_MAX_MEDIA_DOWNLOAD_BYTES)).
        pub fn max_media_download(mut self, bytes: u64) -> Self {
            self.$media = self.$media.max_download_bytes(bytes);
            self
        }

        /// The deadline of one media download (default
        /// [`DEFAULT_MEDIA_DOWNLOAD_TIMEOUT`](crate::DEFAULT_MEDIA_DOWNLOAD_TIMEOUT)).
        pub fn media_download_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$media = self.$media.download_timeout(timeout);
            self
        }
    };
}

pub(crate) use {answer_setters, request_setters};
