"""Running the matrix: cells, scoring, records, executors, calibration."""
