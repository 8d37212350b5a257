#!/usr/bin/env bash
# Installs every Debian package modelvet needs to build, test, fuzz and generate fixtures.
# Idempotent; run as root (or with sudo available). The real loaders that `modelvet reproduce`
# runs in its sandbox (and its tests need) are always installed. Set
# MODELVET_SETUP_FIXTURE_TOOLS=1 to also install PyTorch/NumPy/scikit-learn/joblib/h5py/onnx
# for regenerating fixtures, and MODELVET_SETUP_KB_TOOLS=1 for the data libraries the
# benign-rule generator introspects.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Each package has a user today: the build (CMakeLists.txt), the tests, or a script. Add a
# package together with the code that needs it.
BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config git python3
  ccache                              # CMakeLists.txt compiles through it when present
  bsdextrautils                       # column(1): scripts/fuzz.sh summary table
  clang libclang-rt-dev               # scripts/fuzz.sh: clang + libFuzzer
  clang-format                        # .clang-format
  lld                                 # cmake/code_layout.cmake: links modelvet with its code order
  valgrind                            # scripts/text_order.py: regenerates that order (callgrind)
  libgtest-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libtomlplusplus-dev
  zlib1g-dev libbz2-dev liblzma-dev libzstd-dev liblz4-dev libarchive-dev
  libsqlite3-dev libcurl4-openssl-dev libssl-dev
  libpq-dev                           # src/store: the PostgreSQL store and work queue (libpq)
  postgresql                          # scripts/pg_cluster.sh: throwaway clusters for the tests
  libhdf5-dev
  liburing-dev                        # src/core/file_batch.cc: small files opened in batches
  libyaml-dev                         # src/inventory: YAML configs
  python3-zstandard                   # tests/e2e/test_limits.py builds zstd bombs
  python3-jsonschema                  # tests/e2e/test_inventory.py: CycloneDX schema validation
  python3-pandas                      # tests/e2e/test_explain.py pickles a real pandas callable
  bubblewrap strace libseccomp-dev    # modelvet reproduce: the sandbox, tracer, seccomp filter
  libcpp-httplib-dev                  # src/server: the HTTP server of `modelvet serve`
  libsodium-dev                       # src/server: Argon2id passwords, random secrets
  chromium                            # tests/browser: the web app in a real browser
  wrk                                 # bench/serve_bench.sh: HTTP load for docs/benchmarks.md
)
# `modelvet reproduce`: the loaders it runs inside the sandbox (tests/e2e/test_reproduce*.py).
REPRODUCE_PKGS=(
  python3-torch python3-numpy python3-joblib python3-h5py python3-sklearn
)
# Regenerating the generated benign rules and the data-library fixtures (scripts/kb/,
# scripts/gen_library_fixtures.py): the libraries they introspect, and bubblewrap.
KB_PKGS=(
  bubblewrap python3-torch python3-torchvision python3-torchaudio python3-numpy python3-scipy
  python3-pandas python3-sklearn python3-statsmodels python3-networkx python3-nltk
  python3-gensim python3-xarray python3-skimage python3-astropy python3-shapely python3-pint
  python3-sympy python3-tz python3-matplotlib python3-seaborn python3-xgboost python3-patsy
  python3-biopython python3-emcee python3-lmfit python3-sparse python3-plotly python3-altair
  python3-imblearn python3-igraph python3-rdflib python3-skorch python3-pywt python3-pyproj
  python3-geopandas python3-zarr python3-cftime python3-sunpy python3-uncertainties
  python3-quantities python3-mpmath python3-pulp python3-meshio python3-pydicom
  python3-nibabel python3-pil python3-joblib python3-pomegranate python3-sklearn-pandas
  python3-rasterio python3-affine python3-mne python3-imageio
)
FIXTURE_PKGS=(
  python3-torch python3-numpy python3-sklearn python3-joblib python3-h5py python3-onnx
  python3-lz4 python3-py7zr
)

missing=()
want=("${BUILD_PKGS[@]}" "${REPRODUCE_PKGS[@]}")
if [ "${MODELVET_SETUP_FIXTURE_TOOLS:-0}" = "1" ]; then want+=("${FIXTURE_PKGS[@]}"); fi
if [ "${MODELVET_SETUP_KB_TOOLS:-0}" = "1" ]; then want+=("${KB_PKGS[@]}"); fi
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Node.js and npm drive the browser tests (playwright-core). Installed only when absent: a
# machine may already have Node.js from elsewhere, whose npm Debian's npm package conflicts with.
node_missing=()
command -v node >/dev/null 2>&1 || node_missing+=(nodejs)
command -v npm >/dev/null 2>&1 || node_missing+=(npm)
if [ "${#node_missing[@]}" -gt 0 ]; then
  echo "setup: installing ${node_missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${node_missing[@]}"
fi
echo "setup: all packages present" >&2

# tests/browser: playwright-core at the version package-lock.json pins, into
# tests/browser/node_modules (it drives /usr/bin/chromium and downloads no browser).
browser_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if ! cmp -s "$browser_dir/package-lock.json" "$browser_dir/node_modules/.package-lock-installed"; then
  (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
  cp "$browser_dir/package-lock.json" "$browser_dir/node_modules/.package-lock-installed"
fi
echo "setup: tests/browser/node_modules ready" >&2
