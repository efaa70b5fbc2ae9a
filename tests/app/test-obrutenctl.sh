#!/usr/bin/env bash
# test-obrutenctl.sh — obrutenctl as a user drives it: a case worked through
# its routines, exit codes, import/export, merge-from and verify. TAP output.
set -u
ctl=${1:?usage: test-obrutenctl.sh OBRUTENCTL}
tmp=$(mktemp -d /tmp/ob-test-ctl-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export OB_TODAY=2026-11-23 OBRUTEN_STORE=$tmp/a
n=0
failed=0

# The output of the last obrutenctl run stays in out/err for the checks on
# it (has, grep), which do not replace it.
keep () { case "$1" in has | grep | test) ;; *) mv "$tmp/cur.out" "$tmp/out"; mv "$tmp/cur.err" "$tmp/err" ;; esac; }
check () { # check DESCRIPTION COMMAND… : the command must succeed
  n=$((n + 1))
  if "${@:2}" >"$tmp/cur.out" 2>"$tmp/cur.err"; then echo "ok $n - $1"
  else echo "not ok $n - $1"; sed 's/^/# /' "$tmp/cur.err"; failed=$((failed + 1)); fi
  keep "$2"
}
status () { # status DESCRIPTION WANT COMMAND… : the exit status must be WANT
  n=$((n + 1))
  "${@:3}" >"$tmp/cur.out" 2>"$tmp/cur.err"
  local got=$?
  if [ "$got" = "$2" ]; then echo "ok $n - $1"
  else echo "not ok $n - $1 (exit $got, wanted $2)"; sed 's/^/# /' "$tmp/cur.err"; failed=$((failed + 1)); fi
  keep "$3"
}
has () { grep -q -- "$1" "$tmp/out"; }

check "init" "$ctl" init
status "init twice is a user error" 1 "$ctl" init
c=$("$ctl" case add --given Sara --family Lind --birth-date 2011-04-02 --gender girl --municipality 1480)
check "case add printed an id" test -n "$c"
p=$("$ctl" placement add --case "$c" --form sis_lvu --start 2026-09-01)
check "placement add printed an id" test -n "$p"
check "routine done" "$ctl" routine done --placement "$p" --step sisam.1 --date 2026-08-20 --by Soc
status "na without a reason is refused" 1 "$ctl" routine na --placement "$p" --step sisam.2
status "a step of the other model is refused" 1 "$ctl" routine done --placement "$p" --step adapted.1
check "overdue lists sisam.2" bash -c "\"$ctl\" overdue | grep -q sisam.2"
status "discharge before start is refused" 1 "$ctl" discharge --placement "$p" --date 2026-08-01
check "discharge" "$ctl" discharge --placement "$p" --date 2026-11-15
check "case show --json" "$ctl" case show "$c" --json
check "routine 7 is due three months after discharge" has '"step":"sisam.7","phase":"followup","title":"[^"]*","status":"pending","due":"2027-02-15"'
check "routine 1 is done" has '"step":"sisam.1"[^}]*"status":"done"'
check "case list --json" "$ctl" case list --json
check "the list has the case" has "\"id\":\"$c\""
c2=$("$ctl" case add --given Sam --family Lindberg --birth-date 2010-05-06 --gender boy --municipality 1480)
check "a second case" test -n "$c2"
check "case list --search" "$ctl" case list --search lind --limit 1
check "a search past its limit says more match" has "more than 1 cases match"
check "case list --search, room for all" "$ctl" case list --search lind
check "the search finds both" bash -c "grep -q Lindberg \"$tmp/out\" && grep -q 'Lind ' \"$tmp/out\" && ! grep -q 'more than' \"$tmp/out\""
check "set takes a code as written" "$ctl" set case "$c" home_municipality=0180
check "case show (table)" "$ctl" case show "$c"
check "the new home municipality shows" has "hemkommun Stockholm"
check "the table names the compulsory-school age" has "skolpliktig"
status "an unknown case is a user error" 1 "$ctl" case show no-such-case
status "a wrong enum is a user error" 1 "$ctl" placement add --case "$c" --form sis --start 2026-01-01
status "a wrong check digit is a user error" 1 "$ctl" case add --given A --family B \
  --birth-date 2011-04-02 --gender boy --municipality 0180 --personnummer 20110402-1234
status "an unknown command is a user error" 1 "$ctl" frob
status "a missing store is a user error" 1 "$ctl" --store "$tmp/none" case list

# Import: a bad line anywhere changes nothing.
"$ctl" export >"$tmp/export.jsonl"
before=$("$ctl" state-hash)
printf '%s\n' '{"entity":"case","id":"n1","fields":{"given_name":"Ny","family_name":"Fil","birth_date":"2012-01-01","gender":"boy","home_municipality":"0180"}}' \
  '{"entity":"placement","id":"n1p","fields":{"case_id":"n1","form":"hvb","start":"2026-13-01"}}' >"$tmp/bad.jsonl"
status "a bad date in an import is a user error" 1 "$ctl" import "$tmp/bad.jsonl"
check "the error names the line" grep -q "bad.jsonl:2:" "$tmp/err"
check "a failed import changed nothing" test "$("$ctl" state-hash)" = "$before"
check "export → import into a new store" "$ctl" --store "$tmp/b" import "$tmp/export.jsonl"
check "the copy exports the same records" bash -c "\"$ctl\" --store \"$tmp/b\" export | cmp -s - \"$tmp/export.jsonl\""
check "importing again changes nothing" "$ctl" --store "$tmp/b" import "$tmp/export.jsonl"
check "and says so" has "0 of them new or changed"

# A municipality's local step: a routine like the model's, and it survives
# export → import in one file (the step is defined before it is used).
def='{\"id\": \"local.sthlm.1\", \"phase\": \"during\", \"number\": 1, \"responsible\": [\"social_worker\"], \"title\": \"Lokalt steg\", \"what\": \"w\", \"purpose\": \"p\", \"title_en\": \"Local step\", \"what_en\": \"w\", \"purpose_en\": \"p\", \"due\": \"start+3d\", \"forms\": \"all\", \"school_change\": \"any\"}'
printf '%s\n' "{\"entity\":\"local_step\",\"id\":\"ls-1\",\"fields\":{\"model\":\"adapted\",\"municipality\":\"0180\",\"definition\":\"$def\"}}" >"$tmp/local.jsonl"
check "import a local step" "$ctl" --store "$tmp/l" import "$tmp/local.jsonl"
lc=$("$ctl" --store "$tmp/l" case add --given Ali --family Berg --birth-date 2012-05-05 --gender boy --municipality 0180)
lp=$("$ctl" --store "$tmp/l" placement add --case "$lc" --form familjehem --start 2026-10-01 --school-change)
check "mark the local step done" "$ctl" --store "$tmp/l" routine done --placement "$lp" --step local.sthlm.1 --date 2026-10-03
check "export the store with it" bash -c "\"$ctl\" --store \"$tmp/l\" export >\"$tmp/l.jsonl\""
check "import that export in one go" "$ctl" --store "$tmp/l2" import "$tmp/l.jsonl"
check "the copy has the same state" test "$("$ctl" --store "$tmp/l" export)" = "$("$ctl" --store "$tmp/l2" export)"
check "the local step shows on the case" bash -c "\"$ctl\" --store \"$tmp/l2\" case show \"$lc\" | grep -q local.sthlm.1"
status "a local step that is not valid is refused" 1 "$ctl" --store "$tmp/l" set local_step ls-1 definition=x

# Two replicas edit the same field concurrently, then converge.
check "merge-from: b gets a's log" "$ctl" --store "$tmp/b" merge-from "$tmp/a"
check "edit on a" "$ctl" --user anna set case "$c" social_worker=Anna
check "concurrent edit on b" "$ctl" --store "$tmp/b" --user bo set case "$c" social_worker=Bo
check "merge a ← b" "$ctl" merge-from "$tmp/b"
check "merge b ← a" "$ctl" --store "$tmp/b" merge-from "$tmp/a"
check "merging again adds nothing" bash -c "\"$ctl\" merge-from \"$tmp/b\" | grep -q ' 0 new'"
check "equal state hashes" test "$("$ctl" state-hash)" = "$("$ctl" --store "$tmp/b" state-hash)"
check "the conflict is kept" bash -c "\"$ctl\" case show \"$c\" --json | grep -q '\"field\":\"social_worker\"'"
check "resolve it" "$ctl" set --resolve case "$c" social_worker=Anna
check "no conflict left" bash -c "! \"$ctl\" case show \"$c\" --json | grep -q '\"field\":\"social_worker\"'"
check "verify a" "$ctl" verify
check "verify b" "$ctl" --store "$tmp/b" verify

# Several processes write one store at once (the map grows past 64 MiB under the
# others); every write lands and the store verifies.
"$ctl" --store "$tmp/c" init >/dev/null
"$ctl" --store "$tmp/c" demo --cases 1200 --seed 3 >/dev/null &
w1=$!
"$ctl" --store "$tmp/c" demo --cases 1200 --seed 4 >/dev/null &
w2=$!
added=0
for i in 1 2 3 4 5 6 7 8 9 10; do
  "$ctl" --store "$tmp/c" case add --given "K$i" --family Samtidig --birth-date 2012-01-01 \
    --gender girl --municipality 0180 >/dev/null 2>>"$tmp/conc.err" && added=$((added + 1))
done
check "concurrent demo 1" wait $w1
check "concurrent demo 2" wait $w2
check "every concurrent case add landed" test "$added" = 10
check "the store holds all 2410 cases" bash -c "\"$ctl\" --store \"$tmp/c\" verify | grep -q 'OK: 2410 cases'"

# Reports: indicators over a demo store, small counts never shown.
"$ctl" --store "$tmp/r" demo --cases 400 --seed 5 >/dev/null
check "report --by gender,age --compare" "$ctl" --store "$tmp/r" report --by gender,age --compare
check "the table names the periods" has "2025-01-01 – 2025-12-31 (NU) jämfört med 2024-01-01 – 2024-12-31"
check "and the indicators in Swedish" has "I skola tre månader efter utskrivning"
check "some cell is suppressed" has "^Annat/okänt.*–"
check "report --csv" "$ctl" --store "$tmp/r" report --by gender,form --compare 2019-01-01..2024-12-31 --csv
check "the CSV has one line per group and indicator" has "^current,2025-01-01,2025-12-31,girl,all,school_mandate,"
check "no CSV count is 1–4" bash -c "awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[\$i] = i; next }
  \$col[\"numerator\"] ~ /^[1-4]\$/ || \$col[\"denominator\"] ~ /^[1-4]\$/ { bad = 1 } END { exit bad }' \"$tmp/out\""
check "report --json --by municipality,length" "$ctl" --store "$tmp/r" report --json --by municipality,length --compare
check "suppressed cells carry no numbers" has '"suppressed":true,"numerator":null,"denominator":null'
check "no JSON count is 1–4" bash -c "! grep -Eq '\"(numerator|denominator)\":[1-4][,}]' \"$tmp/out\""
check "--threshold 1 shows every count" "$ctl" --store "$tmp/r" report --json --by municipality,length --threshold 1
check "then small counts do show" grep -Eq '"(numerator|denominator)":[1-4][,}]' "$tmp/out"
status "an unknown breakdown is a user error" 1 "$ctl" --store "$tmp/r" report --by colour
status "three breakdowns are a user error" 1 "$ctl" --store "$tmp/r" report --by gender,age,form
status "a bad period is a user error" 1 "$ctl" --store "$tmp/r" report --compare 2024-13-01..2024-12-31
status "--from without --to is a user error" 1 "$ctl" --store "$tmp/r" report --from 2025-01-01
check "followup lists due and overdue follow-ups" "$ctl" --store "$tmp/r" followup
fc=$(awk 'NR == 2 { print $4 }' "$tmp/out")
check "they are follow-up steps" bash -c "grep -Eq '(sisam\.7|adapted\.14)' \"$tmp/out\" && ! grep -Eq 'sisam\.[1-6] |adapted\.([1-9]|1[0-3]) ' \"$tmp/out\""
check "followup CASE_ID" "$ctl" --store "$tmp/r" followup "$fc"
check "the summary has routines, answers and schooling" bash -c "grep -q '^Rutiner' \"$tmp/out\" && grep -q '^Enkäter' \"$tmp/out\" && grep -q '^Skolgång' \"$tmp/out\""
status "followup of an unknown case is a user error" 1 "$ctl" --store "$tmp/r" followup no-such-case

# A damaged store is an internal error (2), not a user error.
mkdir -p "$tmp/broken" && head -c 65536 /dev/urandom >"$tmp/broken/data.mdb"
status "a damaged store exits 2" 2 "$ctl" --store "$tmp/broken" case list

echo "1..$n"
[ "$failed" -eq 0 ]
