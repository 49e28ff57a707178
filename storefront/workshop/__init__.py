"""The maker's side of made to measure: order files (personal last, insole, spec sheet), the
shopper's 3D preview, and maker accounts that see only the orders assigned to them."""
