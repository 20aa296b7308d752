#!/usr/bin/env bash
# One deploy of the portal, the same steps as .github/workflows/deploy.yml, runnable by hand:
#   DEPLOY_ENV=staging|production DATABASE_URL=… SECRET_KEY=… AUDIT_CHAIN_KEY=… deploy/pipeline.sh
# 1. migrations (before the new code serves); 2. the flag file's dry-run, printed for the record;
# 3. the flag file applied (audited as deploy:<revision>); 4. the invariants checked, pausing money on a violation.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DEPLOY_ENV:?set DEPLOY_ENV to staging or production}"
FLAG_FILE="deploy/flags/${DEPLOY_ENV}.toml"
[ -f "$FLAG_FILE" ] || { echo "no flag file $FLAG_FILE" >&2; exit 1; }
export DEPLOY_REVISION="${DEPLOY_REVISION:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
FLASK="${FLASK:-.venv/bin/flask} --app wsgi"

echo "== migrations"
$FLASK db upgrade
echo "== flags: what $FLAG_FILE changes (dry run)"
$FLASK flags apply "$FLAG_FILE" --dry-run
echo "== flags: applying as deploy:$DEPLOY_REVISION"
$FLASK flags apply "$FLAG_FILE" --revision "$DEPLOY_REVISION"
$FLASK flags apply "$FLAG_FILE" --check
echo "== ledger check (pauses money commands on a violation)"
$FLASK ledger verify --guard
echo "== stale flags (temporary adapters past their date)"
$FLASK flags stale || echo "stale flags listed above: retire them"
