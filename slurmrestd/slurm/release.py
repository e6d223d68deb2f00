"""The Slurm release whose REST interface this daemon reproduces."""

#: Reported in ``meta.slurm.release``, ``info.version`` of the OpenAPI document and ``/ping``.
SLURM_RELEASE = "26.05.5"
