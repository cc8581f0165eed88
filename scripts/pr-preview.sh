#!/usr/bin/env bash
# The PR preview comment without GitHub: what the preview workflow (.github/workflows/preview.yml)
# posts on a pull request, written to a markdown file. Two parts (docs/delivery.md):
#   1. `pulumi preview` of the head checkout against a stack (deployed from the base beforehand):
#      the resources it would create, update, replace or delete (URNs and operations) and the
#      properties that change, policy violations included;
#   2. the Kubernetes manifest diff of the chart, base → head (scripts/manifest-diff.ts).
#
#   scripts/pr-preview.sh --base <dir> --head <dir> --stack <name> --out <file> [options]
#   scripts/pr-preview.sh --repo <dir> --base-ref <rev> --head-ref <rev> --stack <name> --out <file> [options]
#
# Options:
#   --preview-json <file>  use this preview instead of running `pulumi preview`: the digest of
#                          `pulumi preview --json`, or engine events one per line (`--event-log`,
#                          or what an Automation API program got in onEvent)
#   --no-preview           the manifest diff only (no pulumi needed)
#   --policy-pack <dir>    run this policy pack in the preview (repeatable)
#
# Given as directories, both trees need their node_modules (npm ci, or a link to one). With two
# refs, both are extracted from the repository with `git archive` into temporary directories whose
# node_modules links to the repository's. Without --preview-json or --no-preview,
# the `pulumi` on PATH previews the head checkout (its Pulumi.yaml, the stack's config and state:
# log in and select the backend first). Exit status: 0; the preview's own status when it failed
# (e.g. a mandatory policy violation) or 1 when the manifest diff failed, the body written anyway;
# 2 on bad arguments.
set -euo pipefail

usage() {
  sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

base="" head="" repo="" base_ref="" head_ref="" stack="" out="" preview_json="" run_preview=true
policy_packs=()
while (($# > 0)); do
  case "$1" in
    --base) base="${2:?--base needs a directory}"; shift 2 ;;
    --head) head="${2:?--head needs a directory}"; shift 2 ;;
    --repo) repo="${2:?--repo needs a directory}"; shift 2 ;;
    --base-ref) base_ref="${2:?--base-ref needs a revision}"; shift 2 ;;
    --head-ref) head_ref="${2:?--head-ref needs a revision}"; shift 2 ;;
    --stack) stack="${2:?--stack needs a name}"; shift 2 ;;
    --out) out="${2:?--out needs a file}"; shift 2 ;;
    --preview-json) preview_json="${2:?--preview-json needs a file}"; shift 2 ;;
    --no-preview) run_preview=false; shift ;;
    --policy-pack) policy_packs+=("${2:?--policy-pack needs a directory}"); shift 2 ;;
    -h | --help) usage ;;
    *) echo "pr-preview.sh: unknown argument $1" >&2; usage ;;
  esac
done

fail_usage() {
  echo "pr-preview.sh: $1" >&2
  exit 2
}
[[ -n "$stack" && -n "$out" ]] || fail_usage "--stack and --out are required"
if [[ -n "$repo" ]]; then
  [[ -z "$base$head" ]] || fail_usage "give --base/--head or --repo with --base-ref/--head-ref, not both"
  [[ -n "$base_ref" && -n "$head_ref" ]] || fail_usage "--repo needs --base-ref and --head-ref"
else
  [[ -n "$base" && -n "$head" ]] || fail_usage "--base and --head are required (or --repo with two refs)"
fi
[[ -z "$preview_json" || "$run_preview" == true ]] || fail_usage "--preview-json and --no-preview exclude each other"
[[ -z "$preview_json" || -f "$preview_json" ]] || fail_usage "no preview file $preview_json"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/pr-preview.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# A revision of the repository as a directory, node_modules linked to the repository's.
extract() {
  local rev="$1" dir="$2"
  mkdir -p "$dir"
  git -C "$repo" archive --format=tar "$rev" | tar -x -C "$dir"
  if [[ -e "$repo/node_modules" && ! -e "$dir/node_modules" && ! -L "$dir/node_modules" ]]; then
    ln -s "$(cd "$repo" && pwd)/node_modules" "$dir/node_modules"
  fi
}
if [[ -n "$repo" ]]; then
  extract "$base_ref" "$work/base"
  extract "$head_ref" "$work/head"
  base="$work/base" head="$work/head"
fi
base="$(cd "$base" && pwd)"
head="$(cd "$head" && pwd)"
# Both trees' TypeScript (the values function, the chart checksum) is loaded by the manifest diff.
for tree in "$base" "$head"; do
  if [[ ! -e "$tree/node_modules" ]]; then
    echo "pr-preview.sh: $tree has no node_modules; run npm ci there, or link one: ln -s $here/node_modules $tree/node_modules" >&2
    exit 2
  fi
done
tsx="$here/node_modules/.bin/tsx"
[[ -x "$tsx" ]] || { echo "pr-preview.sh: $tsx is missing; run npm ci in $here" >&2; exit 1; }

# 1. The preview.
preview_args=(--preview-exit 0)
preview_status=0
if [[ -n "$preview_json" ]]; then
  preview_args=(--preview "$preview_json" --preview-exit 0)
elif [[ "$run_preview" == false ]]; then
  preview_args=(--preview-skipped "not run (--no-preview)")
elif ! command -v pulumi > /dev/null; then
  preview_args=(--preview-skipped "no pulumi CLI on PATH")
  preview_status=1
else
  pack_args=()
  for pack in "${policy_packs[@]}"; do pack_args+=(--policy-pack "$pack"); done
  echo "pr-preview.sh: pulumi preview --stack $stack in $head" >&2
  # The digest on stdout, and every engine event (policy violations too) in the event log.
  (cd "$head" && pulumi preview --stack "$stack" --json --event-log "$work/events.jsonl" \
    --non-interactive --color never "${pack_args[@]}") > "$work/preview.json" 2> "$work/preview.log" \
    || preview_status=$?
  cat "$work/preview.log" >&2
  preview_file="$work/events.jsonl"
  [[ -s "$preview_file" ]] || preview_file="$work/preview.json"
  preview_args=(--preview "$preview_file" --preview-exit "$preview_status" --preview-log "$work/preview.log")
fi

# 2. The manifest diff, with the head tree's own script (as the workflow ran it).
echo "pr-preview.sh: manifest diff $base → $head" >&2
manifest_status=0
(cd "$head" && "$tsx" scripts/manifest-diff.ts --base "$base" --head . --format markdown) \
  > "$work/manifest.md" 2> "$work/manifest.err" || manifest_status=$?
manifest_file="$work/manifest.md"
if ((manifest_status != 0)); then
  cat "$work/manifest.err" >&2
  manifest_file="$work/manifest.err"
fi

# 3. The body.
mkdir -p "$(dirname "$out")"
"$tsx" "$here/scripts/pr-preview/comment.ts" --stack "$stack" --out "$out" "${preview_args[@]}" \
  --manifest-diff "$manifest_file" --manifest-diff-exit "$manifest_status"
echo "pr-preview.sh: wrote $out" >&2

if ((preview_status != 0)); then exit "$preview_status"; fi
if ((manifest_status != 0)); then exit 1; fi
exit 0
