//! Use cases: plain requests in, plain results out, shared by the front-ends (`cli`, `ui`).
//! No clap, no terminal, no printing; store errors pass through typed.

pub mod plot;
