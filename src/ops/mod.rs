//! Use cases: plain requests in, plain results out, for every front-end. No clap, no terminal,
//! no output formats; store reads go through `store`, filters through `query`.

pub mod report;
