//! Expectations over a Timeline and Findings, for CI: parse, evaluate, report.
