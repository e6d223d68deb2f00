"""Warm start of inet mode: a per-user pre-imported process that forks one child per client.

Inet mode (inetd, ``xinetd``, ``tcpserver``, ``socat EXEC:``) starts a fresh process for each
client.  Defining this package's code costs a Python process far more than serving one
request does, so an inet-mode process first offers its client to a *warm server*: a process
of the same user that has already imported everything.  The warm server forks; the child
takes the client's file descriptors, the caller's environment, working directory and argv,
and runs the very same entry point a cold process runs (``cli.main``), so every check,
setting and privilege step happens in the child as it would in a fresh process.

Theory of operation:

* ``policy``: whether a process may use or start a warm server (``SLURMRESTD_INET_WARM``:
  ``no`` turns it off, a number is the warm server's idle lifetime in seconds; off under
  systemd, whose per-connection units would kill it with their control group), whether the
  command line is inet mode at all, and the *fingerprint*: everything that makes two
  processes interchangeable (interpreter, flags, ``sys.path``, the package files' sizes and
  modification times, argv, user, groups, umask, resource limits, the variables Python and
  the C library read at start-up).  The socket's name is a digest of the fingerprint; the
  fingerprint itself travels with each client and must match the server's byte for byte.
* ``wire``: the hand-off message and the child's two reports, sans-I/O.
* ``client``: what the inet-mode process does before anything else (standard library only,
  so it costs a few milliseconds): connect, check that the peer is the same user, send the
  message with descriptors 0, 1 and 2, wait for "started", let go of its own copies of the
  client's descriptors, forward signals to the child, and exit with the child's status.
  When there is no server it starts one in the background and serves this client cold.
* ``server``: the warm server: imports everything, then accepts hand-offs until it has been
  idle for its lifetime.  It never starts a thread (it forks).

Nothing a client sent is read twice: the client falls back to serving cold only while the
warm side has not reported "started", and nothing reads the client's descriptors before
that report.
"""
