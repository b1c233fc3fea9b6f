"""The applied-change journal (动态更新): every change a comparison run applied, with where it came from.

DOMAIN.md asks that each change be "recorded with its source, the date it took effect and the date
it was received (a cremation reported weeks late keeps both)". curated.change_log says which keys a
delivery touched, but not which base person that was after linkage, nor which run applied it; the
base's versions say what a person looked like, not which delivery made it so. base.applied_change
(migration 0006, include/sql/schema/0006_applied_change.sql) joins the two:

=================  ==========================================================================
column             meaning
=================  ==========================================================================
applied_id         insertion order; within one run, effective-date order
person_id          the base person after linkage: the feed's own link in base.person_link
                   (CHECK_CHAR, TRANSPOSITION, review...), then a reviewer's '*' merge; the feed's
                   own ID when it has no link (the person itself, or a record held out for
                   review); null for an employer-level change (mr_enterprise, si_employer,
                   tax_enterprise), which carries ``uscc`` instead
raw_id             the ID as the feed carried it (curated form)
uscc               the employer the change names, if any (enrollments and withholding carry both)
row_key            the rest of the changed row's key (migration 0008): insurance_code and
                   start_date of an enrollment, month of a withholding, assistance_type, period;
                   null when the columns above are the whole key
source             the feed (intake.delivery.feed, e.g. ``ps_household``) or ``province_feedback``
target             the canonical target (curated table, e.g. ``ca_cremation``, ``survey_return``)
                   or ``feedback``
delivery_id        the delivery (null for province feedback)
file_name          the delivery's file; for feedback ``NODE/CURSOR``
change             INSERT | UPDATE | ABSENT (a snapshot no longer lists the key) |
                   FEEDBACK_<status> (ACTIVE, SUSPENDED, TERMINATED, RECEIVING)
effective_date     when the change took effect: change_log.effective_date (death date of a
                   cremation, cancel date, household change date, enrollment change date, survey
                   date of a town survey return), else the delivery's as_of; for feedback the
                   end (TERMINATED) or start of the validity, else the day it arrived
received_at        when the delivery (or feedback item) was received: with effective_date, a late
                   report keeps both dates
detail             feedback only: insurance, region_code, since, until
run_id, applied_at the comparison run that applied the change and its start time
=================  ==========================================================================

Written once per non-what-if run, at the end of its prepare step (after linkage, so IDs resolve
through this run's links), from the deliveries promoted since the previous finished run (its
``max_delivery_id``) up to this run's high-water mark. The read goes through the change_log's
delivery_id index, so its cost follows the day's changes, not the population. A change is recorded
once (unique on source, delivery, key, effective date and kind): re-running a run, or the run after a
crashed one, records nothing twice; the row keeps the first run that applied it. The table is
append-only (a statement trigger refuses updates and deletes, as for audit.event): it is the
evidence of what the base was told and when. `canbao history PERSON_ID` lists a person's rows after
the versions (canbao/update/history.py).

Limits: a change recorded before its ID was linked keeps the ID it had then in ``person_id``;
history finds it again through base.person_link. Deliveries applied by runs before migration 0006
are not back-filled: the journal starts at the previous run's high-water mark.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from sqlalchemy.engine import Connection

from canbao.db import run_sql
from canbao.privacy import get_logger
from canbao.settings import BUREAU_TZ_NAME

log = get_logger(__name__)


class AppliedParams(TypedDict):
    """What one run applies: the change_log window and the run that applies it."""

    run_id: str
    now: dt.datetime
    last_delivery_id: int   # the previous finished run's max_delivery_id (0 when none)
    max_delivery_id: int    # this run's change_log high-water mark (base.run.max_delivery_id)


def record_applied_changes(conn: Connection, params: AppliedParams) -> int:
    """Record, in the caller's transaction, every change this run applies into base.applied_change.

    Runs at the end of the comparison's prepare step, in the same transaction as the base.run row,
    so the journal and the run that claims to have applied the changes commit together; a what-if
    run must not call it (it applies nothing). Returns the number of rows recorded (0 on a re-run).
    """
    bind = {k: params[k] for k in ("run_id", "now", "last_delivery_id", "max_delivery_id")}
    bind["bureau_tz"] = BUREAU_TZ_NAME  # the day a feedback item arrived is a day in the bureau's zone
    n = int(run_sql(conn, "update/applied_change_insert.sql", bind).rowcount or 0)
    log.info("run %s: %d applied changes recorded (deliveries %d..%d]", bind["run_id"], n,
             bind["last_delivery_id"], bind["max_delivery_id"])
    return n
