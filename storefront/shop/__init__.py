"""Commerce: cart, checkout, orders, returns with fit reasons, made-to-measure orders."""
