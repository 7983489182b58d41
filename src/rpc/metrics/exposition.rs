//! Prometheus' text exposition format, version 0.0.4: `# HELP` and `# TYPE` once per
//! family, then one `name{label="value",...} number` line per sample.

use std::fmt::Write as _;

/// The Content-Type Prometheus expects for this format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Gauge,
    Counter,
}

/// A page of metric families being written.
#[derive(Default)]
pub struct Exposition(String);

impl Exposition {
    /// Starts a family; its samples follow with [`Exposition::sample`].
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let kind = match kind {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = write!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}\n");
    }

    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (label, text)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{label}=\"{}\"", escape_label(text));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {value}");
    }

    pub fn into_text(self) -> String {
        self.0
    }
}

fn escape_label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_escaped_labels() {
        let mut page = Exposition::default();
        page.family("x_total", Kind::Counter, "Things\ncounted");
        page.sample("x_total", &[("name", "a\"b\\c"), ("group", "g")], 3.0);
        page.sample("x_total", &[], 0.5);
        assert_eq!(
            page.into_text(),
            "# HELP x_total Things\\ncounted\n# TYPE x_total counter\n\
             x_total{name=\"a\\\"b\\\\c\",group=\"g\"} 3\nx_total 0.5\n"
        );
    }
}
