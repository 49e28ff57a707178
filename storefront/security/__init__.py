"""Request security: rate limits, request guard, uploads, ownership, quotas, job isolation."""
