"""Simulated customer boxes: fake `claude` and `openclaw`, the loopback SSH server, and the
customer's browser page. Used by `clawtui demo`, `clawtui sim`, the tests and the benchmarks."""
