"""Slurm REST API daemon, a Python drop-in for SchedMD's slurmrestd."""

__version__ = "0.1.0"

#: The Slurm release whose REST interface this daemon reproduces.
SLURM_COMPAT_RELEASE = "26.05"
