"""A throwaway PostgreSQL cluster for an e2e test (scripts/pg_cluster.sh), and the hub
stand-in over a temporary copy of its repos.

Without PostgreSQL's server binaries the test says so loudly and stops with a skip; with
MODELVET_REQUIRE_POSTGRES=1 (CI) that is a failure."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

CLUSTER = mvtest.SOURCE_DIR / "scripts" / "pg_cluster.sh"
STUB = mvtest.SOURCE_DIR / "tests" / "hubstub" / "hubstub.py"
REPOS = mvtest.SOURCE_DIR / "tests" / "hubstub" / "repos"


def require_postgres():
    """Exits (skip, or failure under MODELVET_REQUIRE_POSTGRES=1) when no server can run."""
    if subprocess.run([str(CLUSTER), "check"]).returncode == 0:
        return
    banner = "!" * 78
    print(f"{banner}\nSKIPPING: no PostgreSQL server binaries (scripts/setup.sh installs "
          f"them)\n{banner}")
    if os.environ.get("MODELVET_REQUIRE_POSTGRES") == "1":
        print("MODELVET_REQUIRE_POSTGRES=1: failing instead")
        print("0 passed, 1 failed, 0 skipped")
        sys.exit(1)
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(0)


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mv_pg_")
        p = subprocess.run([str(CLUSTER), "start", self.dir], capture_output=True, text=True,
                           timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"pg_cluster start failed: {p.stderr[-2000:]}")
        self.url = p.stdout.strip().splitlines()[-1]
        self.psql = os.path.join(os.path.dirname(self._initdb()), "psql")

    @staticmethod
    def _initdb():
        import glob
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        return found[-1]

    def restart(self):
        subprocess.run([str(CLUSTER), "restart", self.dir], check=True, timeout=120,
                       capture_output=True)

    def stop(self):
        subprocess.run([str(CLUSTER), "stop", self.dir], timeout=120, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def query(self, sql):
        """The rows of one query, as lists of strings."""
        p = subprocess.run([self.psql, self.url, "-At", "-F", "\t", "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise AssertionError(f"psql {sql!r}: {p.stderr}")
        return [line.split("\t") for line in p.stdout.splitlines() if line]

    def scalar(self, sql):
        rows = self.query(sql)
        return rows[0][0] if rows else None


class Hub:
    """The hub stand-in over a copy of tests/hubstub/repos (plus `fleet/` copies of the public
    repos, `copies` of each, for a longer queue)."""

    PUBLIC = ["audit/bert-tiny-browser", "audit/clean-state-dict", "audit/custom-class-suspected",
              "audit/finetune-args-only", "examples/gpt2-flagged-malicious",
              "examples/legacy-unflagged-malicious", "examples/yolo-flagged-benign"]

    def __init__(self, copies=0):
        self.tmp = tempfile.mkdtemp(prefix="mv_queue_hub_")
        self.repos = os.path.join(self.tmp, "repos")
        for org in ("audit", "examples"):
            shutil.copytree(REPOS / org, os.path.join(self.repos, org))
        self.ids = [f"{o}/{n}" for o in ("audit", "examples")
                    for n in sorted(os.listdir(os.path.join(self.repos, o)))]
        for i in range(1, copies + 1):
            for rid in self.PUBLIC:
                name = f"fleet/{rid.split('/')[1]}-{i}"
                shutil.copytree(os.path.join(self.repos, rid), os.path.join(self.repos, name))
                self.ids.append(name)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(STUB), "--port", "0", "--exit-on-stdin-eof",
             "--repos", self.repos],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("HUBSTUB port="):
            self.proc.kill()
            raise RuntimeError(f"hub stand-in did not start: {line!r}")
        self.port = int(line.split()[1].split("=")[1])
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def env(self, db):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("HF_", "HUGGING", "MODELVET_DB", "TRANSFORMERS_"))}
        env["HF_ENDPOINT"] = self.endpoint
        env["HF_HOME"] = os.path.join(self.tmp, "hf")
        env["USER"] = "e2e-user"
        env["MODELVET_DB"] = db
        return env

    def get(self, path):
        with urllib.request.urlopen(self.endpoint + path, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def config(self, **kv):
        q = "&".join(f"{k}={v}" for k, v in kv.items())
        return self.get(f"/_stub/config?{q}")

    def stats(self):
        return self.get("/_stub/stats")

    def set_sha(self, repo, sha):
        path = os.path.join(self.repos, repo, "repo.json")
        meta = json.load(open(path)) if os.path.exists(path) else {}
        meta["sha"] = sha
        with open(path, "w") as f:
            json.dump(meta, f)

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)
