"""finml reports package."""
