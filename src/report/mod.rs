//! The HTML model report: a list of [`Section`]s, each a list of [`Block`]s (paragraphs,
//! tables, SVG plots), written as one self-contained `index.html` (plots inline) plus one SVG
//! file per plot.
//!
//! The report is open: any part of the crate or an application can add its own section with
//! [`Report::push`]. The standard model checks are built by [`checks`].
//!
//! ```
//! use clv::report::{Block, Report, Section};
//! let mut report = Report::new("My report");
//! report.push(Section::new("intro", "Introduction").paragraph("Hello & welcome."));
//! let dir = std::env::temp_dir().join("clv-doc-report");
//! report.write(&dir).unwrap();
//! let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
//! assert!(html.contains("Hello &amp; welcome."));
//! ```

pub mod checks;
pub mod indicators;
pub mod intervals;
pub mod plots;
pub mod sections;
pub mod tracking;

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::io::write_atomically;

/// A chart: its SVG text and the file name it is written under.
#[derive(Debug, Clone)]
pub struct Plot {
    /// File name without extension (letters, digits, `-` and `_`); the SVG is `DIR/{name}.svg`.
    pub name: String,
    /// The SVG document.
    pub svg: String,
    /// One or two sentences under the plot saying how to read it.
    pub caption: String,
}

/// A piece of a section.
#[derive(Debug, Clone)]
pub enum Block {
    /// A paragraph of plain text (escaped when written).
    Paragraph(String),
    /// A table of plain-text cells (escaped when written); numbers are right-aligned.
    Table {
        /// Column headers.
        header: Vec<String>,
        /// Rows of cells, each as long as the header.
        rows: Vec<Vec<String>>,
    },
    /// A chart, inlined in the HTML and written as its own SVG file.
    Plot(Plot),
}

/// A titled part of the report.
#[derive(Debug, Clone)]
pub struct Section {
    /// Anchor of the section in the page (letters, digits, `-`).
    pub id: String,
    /// Heading.
    pub title: String,
    /// Content, in order.
    pub blocks: Vec<Block>,
}

impl Section {
    /// An empty section.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Section {
            id: id.into(),
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// Adds a paragraph.
    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// Adds a table.
    pub fn table(mut self, header: Vec<String>, rows: Vec<Vec<String>>) -> Self {
        self.blocks.push(Block::Table { header, rows });
        self
    }

    /// Adds a plot.
    pub fn plot(
        mut self,
        name: impl Into<String>,
        svg: String,
        caption: impl Into<String>,
    ) -> Self {
        self.blocks.push(Block::Plot(Plot {
            name: name.into(),
            svg,
            caption: caption.into(),
        }));
        self
    }
}

/// A report: a title, a line of context, and sections in order.
#[derive(Debug, Clone)]
pub struct Report {
    /// Page title.
    pub title: String,
    /// Sections in display order.
    pub sections: Vec<Section>,
}

impl Report {
    /// An empty report.
    pub fn new(title: impl Into<String>) -> Self {
        Report {
            title: title.into(),
            sections: Vec::new(),
        }
    }

    /// Appends a section.
    pub fn push(&mut self, section: Section) {
        self.sections.push(section);
    }

    /// Every plot of the report, in order.
    pub fn plots(&self) -> impl Iterator<Item = &Plot> {
        self.sections.iter().flat_map(|s| {
            s.blocks.iter().filter_map(|b| match b {
                Block::Plot(p) => Some(p),
                _ => None,
            })
        })
    }

    /// The self-contained HTML page (styles and plots inline, no external resource).
    pub fn to_html(&self) -> String {
        let mut h = String::with_capacity(1 << 16);
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str(&format!("<title>{}</title>\n", escape(&self.title)));
        h.push_str(STYLE);
        h.push_str("</head>\n<body>\n");
        h.push_str(&format!("<h1>{}</h1>\n<nav><ol>\n", escape(&self.title)));
        for s in &self.sections {
            h.push_str(&format!(
                "<li><a href=\"#{}\">{}</a></li>\n",
                escape(&s.id),
                escape(&s.title)
            ));
        }
        h.push_str("</ol></nav>\n");
        for s in &self.sections {
            h.push_str(&format!(
                "<section id=\"{}\">\n<h2>{}</h2>\n",
                escape(&s.id),
                escape(&s.title)
            ));
            for b in &s.blocks {
                match b {
                    Block::Paragraph(t) => h.push_str(&format!("<p>{}</p>\n", escape(t))),
                    Block::Table { header, rows } => {
                        h.push_str("<table>\n<thead><tr>");
                        for c in header {
                            h.push_str(&format!("<th>{}</th>", escape(c)));
                        }
                        h.push_str("</tr></thead>\n<tbody>\n");
                        for r in rows {
                            h.push_str("<tr>");
                            for c in r {
                                let class = if looks_numeric(c) {
                                    " class=\"num\""
                                } else {
                                    ""
                                };
                                h.push_str(&format!("<td{class}>{}</td>", escape(c)));
                            }
                            h.push_str("</tr>\n");
                        }
                        h.push_str("</tbody>\n</table>\n");
                    }
                    Block::Plot(p) => {
                        h.push_str("<figure>\n");
                        h.push_str(strip_xml_declaration(&p.svg));
                        h.push_str(&format!(
                            "\n<figcaption>{} <a href=\"{}.svg\">(SVG file)</a></figcaption>\n</figure>\n",
                            escape(&p.caption),
                            escape(&p.name)
                        ));
                    }
                }
            }
            h.push_str("</section>\n");
        }
        h.push_str("</body>\n</html>\n");
        h
    }

    /// Writes `dir/index.html` and `dir/{plot}.svg` for every plot, creating `dir` if needed.
    /// Each file is written atomically (complete or not at all).
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for p in self.plots() {
            if p.name.is_empty()
                || !p
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(Error::invalid_argument(
                    "plot name",
                    format!("{:?}", p.name),
                    "not a plain file name (letters, digits, - and _)",
                ));
            }
            let path = dir.join(format!("{}.svg", p.name));
            write_text(&path, &p.svg)?;
        }
        write_text(&dir.join("index.html"), &self.to_html())
    }
}

/// Writes a text file atomically.
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    write_atomically(path, |w| {
        w.write_all(text.as_bytes()).map_err(|e| Error::io(path, e))
    })
}

const STYLE: &str = "<style>\n\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n\
h1{font-size:1.7em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\n\
table{border-collapse:collapse;margin:1em 0;font-size:.92em}\n\
th,td{border:1px solid #ddd;padding:.3em .6em}th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}\n\
figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{color:#555;font-size:.92em}\n\
nav ol{columns:2}\n\
</style>\n";

/// Escapes `&`, `<`, `>` and `"` for HTML text and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn looks_numeric(s: &str) -> bool {
    let t = s.trim_start_matches(['-', '+', '$']).trim_end_matches('%');
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || c == 'e' || c == '-')
        && t.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn strip_xml_declaration(svg: &str) -> &str {
    let s = svg.trim_start();
    if s.starts_with("<?xml") {
        s.find("?>").map_or(s, |i| s[i + 2..].trim_start())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_and_inlines_plots() {
        let mut r = Report::new("R <1>");
        r.push(
            Section::new("a", "A & B")
                .table(
                    vec!["k".into(), "v".into()],
                    vec![vec!["<x>".into(), "1.5".into()]],
                )
                .plot("p1", "<?xml version=\"1.0\"?>\n<svg></svg>".into(), "cap"),
        );
        let h = r.to_html();
        assert!(h.contains("<title>R &lt;1&gt;</title>"));
        assert!(h.contains("<td>&lt;x&gt;</td><td class=\"num\">1.5</td>"));
        assert!(h.contains("<figure>\n<svg></svg>"));
        assert!(!h.contains("<?xml"));
    }

    #[test]
    fn bad_plot_name_is_refused() {
        let mut r = Report::new("R");
        r.push(Section::new("a", "A").plot("../evil", String::new(), ""));
        let dir = tempfile::tempdir().unwrap();
        assert!(r.write(dir.path()).is_err());
        assert!(!dir.path().join("index.html").exists());
    }
}
