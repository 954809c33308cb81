//! The experiments pane: each experiment with its active and deleted run counts; the ones in
//! the table's scope are ticked. Draws only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::model::{Focus, Model};

pub(crate) fn render(m: &Model, f: &mut Frame, area: Rect) {
    let theme = m.theme();
    let focused = m.focus == Focus::Experiments;
    let block = Block::bordered()
        .title(" Experiments ")
        .border_style(if focused {
            theme.focus_border()
        } else {
            theme.dim()
        });
    let inner = block.inner(area);
    let height = usize::from(inner.height);
    let top = m.exp_cursor.saturating_sub(height.saturating_sub(1));
    let width = usize::from(inner.width);
    let lines: Vec<Line> = m
        .counts
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, row)| {
            let tick = if m.scope.contains(&row.experiment.id) {
                "✓"
            } else {
                " "
            };
            let counts = if row.deleted > 0 {
                format!("{}+{}d", row.active, row.deleted)
            } else {
                row.active.to_string()
            };
            let name_width = width.saturating_sub(counts.len() + 3);
            let text = format!(
                "{tick}{} {counts}",
                super::pad(&row.experiment.name, name_width)
            );
            let style = if focused && i == m.exp_cursor {
                theme.cursor()
            } else {
                ratatui::style::Style::new()
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}
