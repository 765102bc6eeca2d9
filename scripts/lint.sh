#!/usr/bin/env bash
# Project lints: the protos (buf) and the Kubernetes manifests (rendered with kustomize, then
# checked by scripts/k8s_lint.py). Installs buf from npm into .parley/npm on first use.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$PARLEY_ROOT"

failed=0
NPM_DIR=$PARLEY_ROOT/.parley/npm
BUF=$NPM_DIR/node_modules/.bin/buf
if [[ ! -x $BUF ]]; then
  say "installing buf from npm"
  mkdir -p "$NPM_DIR"
  npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" @bufbuild/buf@1.50.0 >/dev/null
fi
say "buf lint proto/"
(cd proto && "$BUF" lint) || failed=1

say "error reasons: the catalogue, its doc and the code agree"
python3 scripts/check_reasons.py || failed=1

say "demo templates: each uses only the variables it declares or the built-in ones"
python3 deploy/demo/load_notifications_demo.py --check || failed=1

say "k8s lint self-test"
python3 scripts/k8s_lint_test.py || failed=1

if [[ -f deploy/k8s/base/kustomization.yaml ]]; then
  for overlay in deploy/k8s/overlays/*/; do
    say "kustomize + k8s lint: $overlay"
    # Production serves TLS on every gRPC port, from cert-manager certificates (docs/deploy.md).
    args=()
    [[ $(basename "$overlay") == production ]] && args=(--require-tls)
    kubectl kustomize "$overlay" | python3 scripts/k8s_lint.py "${args[@]}" || failed=1
  done
fi
exit $failed
