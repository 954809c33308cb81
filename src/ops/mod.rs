//! Use cases: plain requests in, plain results out. No clap, no terminal, no printing; the
//! front-ends (`cli/`, `ui/`) turn arguments into requests and results into output.

pub mod sync;
