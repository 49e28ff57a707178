"""Manufacturer data: differentially private foot statistics from consenting shoppers only."""
