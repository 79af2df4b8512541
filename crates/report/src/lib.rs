//! hubscope's outputs: [`frame`] (tables as CSV, JSON or Parquet), [`chart`] (SVG line and bar
//! charts, self-contained and escaped) and [`study`] (the study report as Markdown and as
//! one offline HTML file). Pure rendering: callers give the numbers and write the files.
#![forbid(unsafe_code)]

pub mod chart;
pub mod frame;
pub mod study;

pub use chart::{BarChart, LineChart, Sunburst, escape};
pub use frame::{Column, Format, Frame, FrameError, format_float};
pub use study::{CardExample, DataSummary, MANAGER_QUESTIONS, ReportData, TaxonomySection};
