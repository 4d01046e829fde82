#!/usr/bin/env bash
# One open issue per drifted stack, labelled "drift": opened on the first failed check, commented
# on by later ones, closed by the first clean run. Called by .github/workflows/drift.yml with:
#   STACK    the stack checked
#   OUTCOME  the preview step's outcome: success, failure (others change nothing)
#   OUTPUT_FILE  what `pulumi preview --refresh --expect-no-changes` printed (may be missing)
#   RUN_URL  the workflow run, for the full log
# and GH_TOKEN for the gh CLI.
set -euo pipefail

for var in STACK OUTCOME RUN_URL; do
    if [[ -z "${!var:-}" ]]; then
        echo "drift-issue.sh: $var is not set (see the header of this script)" >&2
        exit 2
    fi
done

label="drift"
title="Drift in the $STACK stack"
# An issue body holds at most 65536 characters: keep the end of the output, where the summary is.
max_output=50000

existing="$(gh issue list --label "$label" --state open --limit 100 --json number,title \
    --jq ".[] | select(.title == \"$title\") | .number" | head -n 1)"

case "$OUTCOME" in
success)
    if [[ -n "$existing" ]]; then
        gh issue close "$existing" --comment "No drift in $STACK any more: $RUN_URL"
    fi
    exit 0
    ;;
failure) ;;
*)
    echo "drift-issue.sh: outcome \"$OUTCOME\": nothing to report"
    exit 0
    ;;
esac

output=""
if [[ -n "${OUTPUT_FILE:-}" && -f "$OUTPUT_FILE" ]]; then
    output="$(cat "$OUTPUT_FILE")"
fi
if grep -q "changes were proposed" <<<"$output"; then
    finding="GCP differs from what the program declares (after a refresh, \`pulumi preview\` proposes changes)."
    next="Read the diff below. A change made by hand in the console: revert it, or bring it into config and merge. A merged change not yet deployed: run the Deploy workflow."
else
    finding="The check itself failed (credentials, backend, quota or a program error), so drift is unknown."
    next="Read the run's log; fix the cause and re-run the Drift detection workflow."
fi
if ((${#output} > max_output)); then
    output="(first $((${#output} - max_output)) characters cut; full log in the run)
${output: -max_output}"
fi

body_file="$(mktemp)"
trap 'rm -f "$body_file"' EXIT
{
    echo "**$STACK**: $finding"
    echo
    echo "$next"
    echo
    echo "Run: $RUN_URL"
    if [[ -n "$output" ]]; then
        echo
        echo '```text'
        echo "$output"
        echo '```'
    fi
} >"$body_file"

if [[ -n "$existing" ]]; then
    gh issue comment "$existing" --body-file "$body_file"
else
    gh label create "$label" --color d93f0b --description "The deployed stack differs from the program" \
        >/dev/null 2>&1 || true # already there
    gh issue create --title "$title" --label "$label" --body-file "$body_file"
fi
