"""Submit N held jobs through a slurmrestd (8 concurrent clients), or cancel them.

    jobs_load.py submit BASE VERSION TOKEN USER N IDS_FILE
    jobs_load.py cancel BASE VERSION TOKEN USER IDS_FILE
"""
import http.client
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit


def request(base, method, path, token, user, body=None):
    u = urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    h = {"X-SLURM-USER-TOKEN": token, "X-SLURM-USER-NAME": user, "Content-Type": "application/json"}
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


def main():
    cmd, base, version, token, user = sys.argv[1:6]
    if cmd == "submit":
        n, out = int(sys.argv[6]), sys.argv[7]
        job = {"script": "#!/bin/sh\nsleep 60\n", "hold": True, "name": os.environ.get("BENCH_JOB_NAME", "bench-held"),
               "current_working_directory": "/tmp", "environment": ["PATH=/bin:/usr/bin"]}

        def one(_):
            st, doc = request(base, "POST", "/slurm/%s/job/submit" % version, token, user, {"job": job})
            return doc.get("job_id") if st == 200 else None
        with ThreadPoolExecutor(8) as pool:
            ids = [i for i in pool.map(one, range(n)) if i]
        with open(out, "w") as fh:
            fh.write("\n".join(map(str, ids)) + "\n")
        print("submitted %d held jobs" % len(ids))
    else:
        ids = [x for x in open(sys.argv[6]).read().split() if x]
        done = 0
        for i in range(0, len(ids), 200):
            st, doc = request(base, "DELETE", "/slurm/%s/jobs" % version, token, user, {"jobs": ids[i:i + 200]})
            done += len(ids[i:i + 200]) if st == 200 else 0
        print("cancelled %d jobs" % done)


if __name__ == "__main__":
    main()
