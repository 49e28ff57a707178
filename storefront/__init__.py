"""storefront: the Flask service and 3D shoe street (fit, recommendation, commerce, privacy)."""
