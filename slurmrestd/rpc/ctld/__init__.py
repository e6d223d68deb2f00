"""slurmctld RPCs, one module per family of messages."""
