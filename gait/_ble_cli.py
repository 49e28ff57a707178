"""`gait record` and `gait simulate` sub-commands (BLE); filled in by the BLE work."""

from __future__ import annotations

import argparse

__all__ = ["add_ble_commands"]


def add_ble_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register the BLE sub-commands on the ``gait`` parser."""
