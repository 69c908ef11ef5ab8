"""finml profiler package."""
