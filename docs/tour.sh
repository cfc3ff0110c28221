#!/bin/sh
# Runs the README's tour on an empty database and prints it as the README shows it: each command after "$ ", then
# what it printed (stderr lines start "ilacs:"), with times of recording written as 09:00.
# Usage: sh docs/tour.sh > /tmp/tour.txt   (needs `ilacs` on PATH; uses /tmp/tour.db, removed first)
export ILACS_DB=/tmp/tour.db ILACS_USER="Sam Patel" COLUMNS=200
rm -f /tmp/tour.db /tmp/tour.db-wal /tmp/tour.db-shm paper.html
run() {
    printf '$ %s\n' "$*"
    eval "$*" 2>&1 | sed -E 's/(20[0-9]{2}-[0-9]{2}-[0-9]{2})T[0-9]{2}:[0-9]{2}:[0-9]{2}/\1T09:00:00/g; s/( 20[0-9]{2}) [0-9]{2}:[0-9]{2}( |:|$)/\1 09:00\2/g'
    echo
}
run ilacs init
run ilacs add-inspection brighton-2025 --authority '"Brighton and Hove City Council"' --published 03/03/2025 \
    --area '"The quality of care plans"' --area '"Management oversight of practice"' --grade overall=good
run ilacs show brighton-2025
run ilacs add-action brighton-2025 --area 1 --owner '"A Watson"' --due 30/05/2025 --on 10/03/2025 \
    '"Audit the quality of care plans"' --by '"Sam Patel"'
run ilacs add-action brighton-2025 --area 1 --owner '"A Watson"' --due '"June 2025"' --on 10/03/2025 \
    '"New care plan template"'
run ilacs add-action brighton-2025 --area 2 --owner '"C Jones"' --due 13/06/2025 --on 10/03/2025 \
    '"Supervision recording standard"'
run ilacs edit 2 --owner '"B Khan"' --note '"Handed over at team meeting"'
run ilacs update 2 --status in-progress --note '"Draft shown to the improvement board"' --on 15/05/2025
run ilacs history 2
run ilacs overdue --as-of 2025-06-02
run ilacs due --as-of 2025-06-02
run ilacs report brighton-2025 --as-of 2025-06-02 -f html -o paper.html
run ilacs owner add '"A Watson"' --email a.watson@brighton-hove.gov.uk --authority brighton-2025 \
    --role '"Head of Quality"'
run ilacs owner add '"Sam Patel"' --email s.patel@brighton-hove.gov.uk --coordinator brighton-2025
run ilacs remind --as-of 2025-06-02
run ilacs update 3 --status done --note '"Standard signed off"'
run ilacs undo --dry-run
run ilacs undo
run ilacs changes --since 02/06/2025 --inspection brighton-2025
run ilacs measure add brighton-2025 '"Care plans rated good or better"' --area 1 --unit % --baseline 48 \
    --baseline-on 28/02/2025 --target 75 --target-by 31/03/2026 --better higher --tolerance 5 --action 1
run ilacs reading add M1 58 --on 31/03/2025 --source '"Power BI"'
run ilacs reading add M1 71.5 --on 30/04/2025 --source '"Power BI"' --note '"Audit findings acted on"'
run ilacs measures
run ilacs reschedule 1 --to 27/06/2025 --reason '"Auditor on leave in May"' --approved-by '"J Smith, Director of Children'"'"'s Services"' --on 20/05/2025
run ilacs actions --inspection brighton-2025 --as-of 2025-06-02
run ilacs evidence add 1 https://brighton-hove.sharepoint.com/sites/childrens/care-plan-audit-2025.pdf --note '"Audit report to the board"'
