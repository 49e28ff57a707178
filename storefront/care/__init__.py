"""Care managers: wearers link them with explicit consent; indicators, alerts, access log."""
