"""clawtui: onboard OpenClaw boxes to a Claude subscription over SSH."""

__version__ = "0.1.0"
