//! How the command ends: a usage error, an API refusal and a failure have exit codes of
//! their own, and a closed pipe ends it quietly.

use std::process::ExitCode;

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// The command line, a body, a profile or a safety rule refused the command before
    /// anything was sent (exit 2).
    Usage(String),
    /// The API, or its token endpoint, answered with a refusal: a 4xx (exit 3).
    Refused(String),
    /// Anything else: the network, a server error after its retries, a file (exit 1).
    Failed(String),
    /// Standard output was closed (`| head`): nothing more to say (exit 0).
    ClosedPipe,
}

/// The exit code of a usage error.
pub const USAGE: u8 = 2;
/// The exit code of an API refusal.
pub const REFUSED: u8 = 3;

impl Failure {
    /// Prints what went wrong, once, and gives the exit code.
    pub fn exit(self) -> ExitCode {
        match self {
            Failure::Usage(m) => {
                eprintln!("error: {m}");
                ExitCode::from(USAGE)
            }
            Failure::Refused(m) => {
                eprintln!("error: {m}");
                ExitCode::from(REFUSED)
            }
            Failure::Failed(m) => {
                eprintln!("error: {m}");
                ExitCode::FAILURE
            }
            Failure::ClosedPipe => ExitCode::SUCCESS,
        }
    }

    /// A runtime error: a refusal when the API or the token endpoint answered 4xx.
    pub fn from_runtime(e: &servicetitan_runtime::Error) -> Failure {
        use servicetitan_runtime::ErrorKind;
        let refused = match e.kind() {
            ErrorKind::Api { status, .. } => (400..500).contains(status),
            ErrorKind::Auth { status, .. } => status.is_some_and(|s| (400..500).contains(&s)),
            // The token's granted scopes lack the operation's: the API would refuse it.
            ErrorKind::MissingScope { .. } => true,
            // Refused before sending: the configuration or a parameter's value.
            ErrorKind::Config(_) | ErrorKind::InvalidParameter { .. } => {
                return Failure::Usage(e.to_string())
            }
            _ => false,
        };
        if refused {
            Failure::Refused(e.to_string())
        } else {
            Failure::Failed(e.to_string())
        }
    }

    /// An output error: a closed pipe is quiet.
    pub fn from_io(e: std::io::Error) -> Failure {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::ClosedPipe
        } else {
            Failure::Failed(format!("standard output: {e}"))
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::from_io(e)
    }
}
