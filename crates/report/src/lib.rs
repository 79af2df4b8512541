//! hubscope's outputs: [`frame`] (tables as CSV, JSON or Parquet), [`chart`] (SVG line and bar
//! charts, self-contained and escaped) and [`study`] (the study report as Markdown, as one
//! offline HTML file, and its headline figures as `summary.json`). Pure rendering: callers give
//! the numbers and write the files.
#![forbid(unsafe_code)]

pub mod assemble;
pub mod audits;
pub mod cards;
pub mod chart;
pub mod frame;
pub mod study;
pub mod tables;

pub use chart::{BarChart, LineChart, Sunburst, escape};
pub use frame::{Column, Format, Frame, FrameError, format_float, spreadsheet_safe};
pub use study::{
    CardExample, CardsSection, ClassifierAgreement, DataSummary, MANAGER_QUESTIONS,
    MentionsSection, ReportData, Summary, TaxonomyRow, TaxonomySection, escape_markdown,
    executive_summary,
};
