use std::process::ExitCode;

fn main() -> ExitCode {
    vrrplab::cli::main()
}
