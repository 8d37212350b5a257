#!/usr/bin/env bash
# Fetch every model the bot needs into ./models (run before the first start).
set -euo pipefail
RERANKER="cross-encoder/ms-marco-MiniLM-L-6-v2"
huggingface-cli download "$RERANKER" --local-dir models/reranker
huggingface-cli download examplecorp/support-dataset --repo-type dataset
for m in ${EXTRA_MODELS:-}; do
  huggingface-cli download "$m"
done
echo "done: huggingface-cli download examplecorp/echoed-text"
