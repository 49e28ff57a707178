"""Foot scans: upload, background measurement with footscan, results and the foot GLB."""
