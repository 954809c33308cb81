//! Long output on a terminal goes through a pager, as git's and gh's does: `$PAGER`, else
//! `less -FRX` (quit when it fits one screen, keep colours, leave the text on the screen).
//! Only a table shown on a terminal that it overflows is paged; pipes never are.

use std::io::{self, IsTerminal, Write};
use std::process::{Command, Stdio};

/// Shows `text` on stdout, through the pager when it has more lines than the terminal.
pub fn show(text: &[u8], enabled: bool) -> io::Result<()> {
    let stdout = io::stdout();
    if enabled && stdout.is_terminal() {
        let lines = text.iter().filter(|&&b| b == b'\n').count();
        if terminal_rows().is_some_and(|rows| lines >= rows) && page(text).is_ok() {
            return Ok(());
        }
    }
    let mut out = stdout.lock();
    out.write_all(text)?;
    out.flush()
}

fn page(text: &[u8]) -> io::Result<()> {
    let pager = std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "less".into());
    let mut child = Command::new("sh")
        .args(["-c", &pager])
        .env(
            "LESS",
            std::env::var("LESS").unwrap_or_else(|_| "FRX".into()),
        )
        .stdin(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // Quitting the pager early closes the pipe: that is the person's choice, not an error.
        match stdin.write_all(text) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
            _ => {}
        }
    }
    child.wait()?;
    Ok(())
}

fn terminal_rows() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills the winsize struct it is given and touches nothing else.
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        (libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) == 0 && size.ws_row > 0)
            .then_some(usize::from(size.ws_row))
    }
}
