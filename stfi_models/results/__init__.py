"""Results: the Result contract, summaries, tables."""

from stfi_models.results.result import TIDY_COLUMNS, Result, TestResult

__all__ = ["Result", "TestResult", "TIDY_COLUMNS"]
