"""Tests of the report documents: chart, workbook and Word report."""
