"""Slurm's binary RPC protocol in pure Python (client side).

What both peers (slurmctld and slurmdbd) share, bottom up (each usable
without the ones above it); sentinels, constants, message type numbers and
the job id grammar are in ``slurmrestd.slurm``:

* ``pack``       – Slurm pack/unpack primitives (``Packer``/``Unpacker``).
* ``protocol``   – sans-I/O framing: header, ``encode_request``/``decode_message``,
                   protocol version constants (``V24_11`` … ``V26_05``).
* ``frames``     – frame I/O on a blocking socket with deadlines; ``Peer`` names
                   the error numbers of each daemon.
* ``cred``       – per-request identities: ``JwtCredential``, ``MungeCredential``.
* ``conf``       – slurm.conf reader → ``SlurmConfig``.
* ``layouts``    – versioned message layouts as data (C struct member names),
                   one ``Layout`` for decoding and encoding.

Per peer:

* ``ctld/``      – slurmctld: ``transport`` (one connection per RPC, controller
                   choice, backups), ``client`` (``SlurmctldClient.call``, the one
                   way to make an RPC, typed operations, ``VersionCache``),
                   ``layouts`` (its replies), ``jobs/`` (job RPCs) and one module
                   per further family of messages.
* ``dbd/``       – slurmdbd: the persistent connection and its messages.
"""
