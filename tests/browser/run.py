"""Browser tests of the web app: fills a store from the hub stand-in (tests/e2e/serverenv.py),
adds a reviewer, starts `modelvet serve` and runs app.test.mjs (Debian's Chromium driven by
playwright-core from tests/browser/node_modules, installed by scripts/setup.sh with `npm ci`).
Screenshots go to $MODELVET_ARTIFACTS (ctest: BUILD/test-artifacts/browser)."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))
import mvtest  # noqa: E402
import serverenv  # noqa: E402

CHROMIUM = "/usr/bin/chromium"  # app.test.mjs: executablePath
USER, PASSWORD = "alice", "correct horse battery staple"


def main():
    if not os.access(mvtest.BIN, os.X_OK):
        print(f"modelvet binary not found: {mvtest.BIN}\n0 passed, 1 failed")
        return 1
    # Never a skip: a CI machine without the browser, Node.js or playwright-core fails here.
    if not os.access(CHROMIUM, os.X_OK):
        print(f"{CHROMIUM} not found: run scripts/setup.sh (Debian's chromium)\n"
              "0 passed, 1 failed")
        return 1
    if shutil.which("node") is None:
        print("node not found: run scripts/setup.sh (Debian's nodejs)\n0 passed, 1 failed")
        return 1
    if not (HERE / "node_modules" / "playwright-core").is_dir():
        print("tests/browser/node_modules is missing: run scripts/setup.sh (npm ci)\n"
              "0 passed, 1 failed")
        return 1
    artifacts = os.environ.get("MODELVET_ARTIFACTS") or str(
        mvtest.SOURCE_DIR / "build" / "test-artifacts" / "browser")
    os.makedirs(artifacts, exist_ok=True)
    env = serverenv.ServerEnv()
    try:
        env.fill()
        env.add_user(USER, PASSWORD)
        srv = env.serve()
        # The same store served with --allow-reproduce: the reviewer's form is enabled there
        # (the tests never press it: running the sandbox is test_server_api.py's).
        srv_reproduce = env.serve("--allow-reproduce")
        node_env = dict(os.environ, MV_URL=srv.url, MV_URL_REPRODUCE=srv_reproduce.url,
                        MV_USER=USER, MV_PASSWORD=PASSWORD,
                        MV_ARTIFACTS=artifacts, MV_HOSTILE=json.dumps({
                            "file": serverenv.HOSTILE_FILE,
                            "payload": serverenv.HOSTILE_PAYLOAD,
                            "license": serverenv.HOSTILE_LICENSE,
                            "hub_message": serverenv.HOSTILE_HUB_MESSAGE,
                            "repo": serverenv.HOSTILE_REPO,
                            "observation": serverenv.HOSTILE_OBSERVATION,
                            "load_error": serverenv.HOSTILE_LOAD_ERROR,
                            "id": serverenv.HOSTILE_ID}))
        p = subprocess.run(["node", str(HERE / "app.test.mjs")], env=node_env, timeout=280)
        for s in (srv, srv_reproduce):
            rc = s.stop()
            if rc != 0:
                print(f"modelvet serve exited {rc}")
                return 1
        return p.returncode
    finally:
        env.close()


if __name__ == "__main__":
    sys.exit(main())
