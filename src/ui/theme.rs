//! Styles of the UI in one place, so `NO_COLOR` and 16-colour terminals are decided once: only
//! the 16 ANSI colours are used, and without colour every emphasis is bold, reversed or
//! underlined instead.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Theme {
    pub color: bool,
}

/// Line colours of runs in charts, in mark order.
const PALETTE: [Color; 6] = [
    Color::Cyan,
    Color::Yellow,
    Color::Magenta,
    Color::Green,
    Color::Red,
    Color::Blue,
];

impl Theme {
    fn fg(self, c: Color, fallback: Modifier) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new().add_modifier(fallback)
        }
    }

    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }
    pub fn header(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn cursor(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub fn focus_border(self) -> Style {
        self.fg(Color::Cyan, Modifier::BOLD)
    }
    pub fn marked(self) -> Style {
        self.fg(Color::Yellow, Modifier::BOLD)
    }
    pub fn best(self) -> Style {
        self.fg(Color::Green, Modifier::BOLD)
            .add_modifier(Modifier::BOLD)
    }
    pub fn changed(self) -> Style {
        self.fg(Color::Yellow, Modifier::BOLD)
    }
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    pub fn error(self) -> Style {
        self.fg(Color::Red, Modifier::BOLD)
    }
    pub fn key(self) -> Style {
        self.fg(Color::Cyan, Modifier::BOLD)
    }
    pub fn status(self, status: &str) -> Style {
        match status {
            "FINISHED" => self.fg(Color::Green, Modifier::empty()),
            "FAILED" | "KILLED" => self.fg(Color::Red, Modifier::BOLD),
            "RUNNING" => self.fg(Color::Blue, Modifier::ITALIC),
            _ => Style::new(),
        }
    }
    /// The colour of the `n`th line of a chart; without colour every line is the default.
    pub fn line(self, n: usize) -> Style {
        if self.color {
            Style::new().fg(PALETTE[n % PALETTE.len()])
        } else {
            Style::new()
        }
    }
}
