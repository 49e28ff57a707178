"""Gait sessions: insole recordings (file or chunked upload), analysis report, trends."""
