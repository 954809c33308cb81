//! Run filters and ordering (MLflow search syntax): lexer, parser, evaluator. Pure: no I/O.
