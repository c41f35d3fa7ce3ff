"""Reporting: leaderboard tables, significance tests, figures. Reads records, never trains."""
