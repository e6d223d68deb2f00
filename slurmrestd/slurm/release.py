"""The Slurm release whose REST interface this daemon reproduces."""

#: Reported in ``meta.slurm.release`` and in the OpenAPI document's ``info``.
SLURM_RELEASE = "26.05.5"
