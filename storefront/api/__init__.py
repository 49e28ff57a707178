"""The JSON API: catalog, fit, recommendations, OpenAPI document."""
