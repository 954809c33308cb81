//! The bottom line: a text input (filter, columns, tag, name…) while one is open, else the
//! last message and the key hints; above it, the last error with its caret. Draws only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::model::{Model, Overlay, View};

/// Lines the error box needs above the bar (0 when there is none).
pub(crate) fn error_height(m: &Model) -> u16 {
    m.error.as_ref().map_or(0, |e| e.lines().count() as u16 + 2)
}

pub(crate) fn render_error(m: &Model, f: &mut Frame, area: Rect) {
    let Some(error) = &m.error else { return };
    let theme = m.theme();
    let lines: Vec<Line> = error
        .lines()
        .map(|l| Line::from(Span::styled(l.to_owned(), theme.error())))
        .collect();
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().border_style(theme.error())),
        area,
    );
}

pub(crate) fn render(m: &Model, f: &mut Frame, area: Rect) {
    let theme = m.theme();
    let line = match &m.overlay {
        Overlay::Input(kind, text) => Line::from(vec![
            Span::styled(kind.prompt(), theme.key()),
            Span::raw(text.clone()),
            Span::styled("█", theme.dim()),
        ]),
        _ => match &m.message {
            Some(msg) => Line::from(Span::raw(msg.clone())),
            None => hints(m),
        },
    };
    f.render_widget(Paragraph::new(line), area);
}

fn hints(m: &Model) -> Line<'static> {
    let theme = m.theme();
    let keys: &[(&str, &str)] = match m.view {
        View::Runs => &[
            ("?", "keys"),
            ("/", "filter"),
            ("s", "sort"),
            ("c", "columns"),
            ("␣", "mark"),
            ("v", "charts"),
            ("C", "compare"),
            ("R", "models"),
            ("q", "quit"),
        ],
        View::Detail => &[
            ("j/k", "move"),
            ("⏎", "open"),
            ("esc", "back"),
            ("q", "quit"),
        ],
        View::Viewer(..) => &[("j/k", "scroll"), ("esc", "back"), ("q", "quit")],
        View::Charts => &[
            ("l", "log-y"),
            ("m", "smooth"),
            ("x", "x-axis"),
            ("+/-", "zoom"),
            ("←/→", "pan"),
            ("esc", "back"),
        ],
        View::Compare => &[("o", "only changed"), ("esc", "back"), ("q", "quit")],
        View::Plot => &[("esc", "back"), ("q", "quit")],
        View::Registry => &[
            ("⏎", "run"),
            ("t", "stage"),
            ("a", "alias"),
            ("esc", "back"),
        ],
    };
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(*k, theme.key()));
        spans.push(Span::raw(format!(" {what} ")));
    }
    Line::from(spans)
}
