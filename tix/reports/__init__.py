"""Reports (docs/reports.md), pure: the monthly report with its twelve-month
trend, reports over any period (`--by month|week|team|org`) and the IT
manager's view of one organisation.

Pure, hledger-style: tickets, a period, the policy and `now` in, plain data
out (`MonthlyReport.to_json()` is the stable JSON of docs/reports.md and the
test oracle); `tix.render.report` turns it into table, CSV, Markdown or HTML.

One module per report (`monthly`, `period`; alerts and recurring work in
`alerts`), on a shared pass (`scan`) over `buckets` of `figures`.

One pass: every ticket is looked at once. Its facts (opened, resolved,
closed, reopened, work logged, SLA clocks decided, feedback, escalations,
open stretches for the backlog) are dropped into the bucket of the instant
they happened (a month of the trend, a week, ...) with a bisect; nothing
loops over days or over months times events.

Where a fact lands (the rules, docs/reports.md has them with examples):
* opened: the ticket's creation. resolved: a move from new/open/waiting to
  resolved or closed (a ticket counts once per bucket however often it was
  resolved there). closed: a move to closed. backlog: new, open or waiting
  just before the bucket's end (waiting for the customer counts).
* work: the entry's `at` (work belongs to the month it was done in), priced by
  `tix.core.billing.price`, so amounts match `tix invoice` to the cent.
* an SLA clock (response, resolve) is counted once, in the bucket where it was
  decided: met -> when it was met; breached -> when its due time passed.
* resolve time: business minutes of the policy calendar from creation to the
  (last, in that bucket) resolution, without paused stretches (waiting for
  the customer) and without stretches between a resolve and a reopen.
* reopen rate: of the tickets resolved in the bucket, the share reopened
  after that resolution (at any time up to now).
* Dimensions (priority, team, category, channel, org) are the ticket's
  current ones; the agent is the assignee for ticket counts and the author of
  the entry for hours.
"""
