//! `mlrs ui`: the store in a full-screen terminal UI, in The Elm Architecture: one `Model`,
//! `Msg`s from the terminal, a background loader and a timer, `update` for the next state and
//! `view` to draw it; one file per component. This module owns the terminal: raw mode, the
//! alternate screen and the mouse are set up here and always given back (on exit, on panic,
//! on SIGTERM). Reads and writes go through `data`; it must not call the command line.

mod charts;
mod compare;
mod confirm;
mod data;
mod detail;
mod entry;
mod experiments;
mod filter_bar;
mod help;
mod live;
mod model;
mod plot;
mod registry;
mod runs_table;
mod theme;
mod view;

#[cfg(test)]
mod tests;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;

pub use model::Options;
use model::{Model, Msg, update};

use crate::store::Store;

/// How often the live refresh looks at the store: a point logged now is on screen within this
/// plus one read. Between ticks the loop sleeps in `event::poll` (no spinning): an idle UI
/// costs one `stat` per experiment and a few per running run shown, four times a second.
const TICK: Duration = Duration::from_millis(250);

static TERMINATED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_terminate(_: libc::c_int) {
    TERMINATED.store(true, Ordering::Relaxed);
}

/// The terminal is gone (its window closed, the SSH link dropped): there is nothing to restore
/// and nobody to draw for. Leaving at once matters: on a hung-up terminal crossterm's read
/// loops without end (every read fails at once), so the main loop would never see a flag.
extern "C" fn on_hangup(_: libc::c_int) {
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(129) };
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(std::io::stdout(), LeaveAlternateScreen, DisableMouseCapture);
}

/// Run the UI until the user quits.
pub fn run(store: Store, opts: &Options) -> anyhow::Result<()> {
    let mut model = Model::new(store, opts)?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    // SAFETY: the handlers only store into an atomic or call _exit, both async-signal-safe.
    unsafe {
        libc::signal(
            libc::SIGTERM,
            on_terminate as *const () as libc::sighandler_t,
        );
        libc::signal(libc::SIGHUP, on_hangup as *const () as libc::sighandler_t);
    }
    // The main loop sees SIGTERM's flag within a tick; should it be stuck, this gives the
    // terminal back and leaves anyway.
    std::thread::spawn(|| {
        while !TERMINATED.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
        }
        std::thread::sleep(Duration::from_secs(1));
        restore_terminal();
        std::process::exit(143);
    });
    enable_raw_mode()?;
    let result = (|| {
        execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
        let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        let size = terminal.size()?;
        update(&mut model, Msg::Resize(size.width, size.height));
        event_loop(&mut terminal, &mut model)
    })();
    restore_terminal();
    result
}

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    model: &mut Model,
) -> anyhow::Result<()> {
    let mut last_tick = Instant::now();
    let mut dirty = true;
    loop {
        // The screen is drawn only when something changed: an idle UI does no work.
        if dirty {
            terminal.draw(|f| view::view(model, f))?;
            dirty = false;
        }
        if let Some(text) = model.copy.take() {
            copy_osc52(&text)?;
        }
        if model.quit || TERMINATED.load(Ordering::Relaxed) {
            return Ok(());
        }
        // While data is still loading, look for it often; otherwise sleep until a key or
        // the next tick.
        let wait = if model.loading() {
            Duration::from_millis(20)
        } else {
            TICK.saturating_sub(last_tick.elapsed())
        };
        // Everything already typed is handled before the next draw (a pasted filter is one
        // frame, not one per character).
        let mut timeout = wait;
        while event::poll(timeout)? {
            timeout = Duration::ZERO;
            let msg = match event::read()? {
                Event::Key(k) if k.kind != event::KeyEventKind::Release => Msg::Key(k),
                Event::Mouse(mouse) => Msg::Mouse(mouse),
                Event::Resize(w, h) => Msg::Resize(w, h),
                _ => continue,
            };
            dirty |= update(model, msg);
            if model.quit {
                break;
            }
        }
        // Parts that arrived together are taken in one go: the table is sorted once for them.
        if let Some(loaded) = model.loader.as_ref().and_then(data::take_parts) {
            dirty |= update(model, Msg::Loaded(loaded));
        }
        if last_tick.elapsed() >= TICK {
            last_tick = Instant::now();
            dirty |= update(model, Msg::Tick);
        }
    }
}

/// Put text on the clipboard of the terminal, even over SSH, with the OSC 52 sequence.
fn copy_osc52(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout();
    write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()))?;
    out.flush()
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `text` cut to `width` terminal cells (wide characters count two), with `…` when cut.
pub(crate) fn clip(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if unicode_width::UnicodeWidthStr::width(text) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(ch);
    }
    out.push('…');
    out
}

/// `text` clipped and padded with spaces to exactly `width` terminal cells.
pub(crate) fn pad(text: &str, width: usize) -> String {
    let mut out = clip(text, width);
    let used = unicode_width::UnicodeWidthStr::width(out.as_str());
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

/// A `width`×`height` box in the middle of `area` (smaller when `area` is).
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
