#!/usr/bin/env bash
# Writes vertx-classifier.json next to this script: the repository's dashboard (grafana/vertx-classifier.json) with
# every runbook link moved from the repository's runbook base to values.yaml's runbookBase. Kustomize cannot
# rewrite a part of the JSON string a ConfigMap holds, so this is the one generated step of the overlay; rerun it
# after changing runbookBase or moving to another version of the repository, and commit the result.
#   k8s/examples/team-overlay/generate-dashboard.sh [path/to/grafana]
# The default is this repository's grafana/ directory; from your own repository, pass a copy of grafana/ at the
# version your overlay points at (github.com/vertxclassifier/vertx-classifier/tree/<ref>/grafana).
# The repository's base is read from its alert rules (alert-rules.yaml): the part before '#' of a runbook_url;
# the dashboard's links share that base (DashboardLintTest).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
grafana=${1:-$here/../../../grafana}
source=$grafana/vertx-classifier.json

base=$(sed -n 's/^ *runbookBase: *//p' "$here/values.yaml")
[ -n "$base" ] || { echo "generate-dashboard: no runbookBase in $here/values.yaml" >&2; exit 2; }
default=$(sed -n 's/^ *runbook_url: *"\{0,1\}\([^"#]*\)#.*/\1/p' "$grafana/alert-rules.yaml" | head -1)
[ -n "$default" ] || { echo "generate-dashboard: no runbook_url in $grafana/alert-rules.yaml" >&2; exit 2; }

# Literal replacement (no regex): the base may hold any character a URL does.
BASE=$base DEFAULT=$default python3 -c '
import os, sys
text = sys.stdin.read()
sys.stdout.write(text.replace(os.environ["DEFAULT"], os.environ["BASE"]))
' <"$source" >"$here/vertx-classifier.json"
echo "generate-dashboard: $source -> $here/vertx-classifier.json ($default -> $base)"
