//! Unit snapshots of each view over the fixture stores, drawn on a `TestBackend`.
