"""Demo data for a first look, and generated data at scale for benchmarks."""
