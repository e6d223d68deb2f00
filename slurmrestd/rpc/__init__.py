"""Slurm's binary RPC protocol in pure Python (client side).

Layers, bottom up (each usable without the ones above it):

* ``pack``       – Slurm pack/unpack primitives (``Packer``/``Unpacker``); sentinels,
                   constants and the job id grammar are in ``slurmrestd.slurm``.
* ``msg_types``  – ``MsgType`` IntEnum of message numbers.
* ``protocol``   – sans-I/O framing: header, ``encode_request``/``decode_message``,
                   protocol version constants (``V24_11`` … ``V26_05``).
* ``cred``       – per-request identities: ``JwtCredential``, ``MungeCredential``.
* ``conf``       – slurm.conf reader → ``SlurmConfig``.
* ``transport``  – blocking TCP, one connection per RPC, libslurm error numbers.
* ``layouts``    – versioned message layouts as data (C struct member names).
* ``client``     – ``SlurmctldClient`` (typed operations) and ``VersionCache``.
"""
