complete --keep-order --exclusive --command mlrs --arguments "(_MLRS_COMPLETE=fish mlrs -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
