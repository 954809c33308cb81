fn main() -> std::process::ExitCode {
    mlrs::cli::main()
}
