
set edit:completion:arg-completer[mlrs] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) _MLRS_COMPLETE="elvish" mlrs -- $@words) | to-lines
}

