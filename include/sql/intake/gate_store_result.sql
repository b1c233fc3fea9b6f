-- The gate's masked verdict of a delivery (counts per expectation, no values); a re-run replaces it.
insert into intake.gate_result (delivery_id, feed, suite, success, critical_failed, row_failed, results,
                                parameters, data_docs, evaluated_at)
values (:delivery_id, :feed, :suite, :success, :critical_failed, :row_failed, cast(:results as jsonb),
        cast(:parameters as jsonb), :data_docs, now())
on conflict (delivery_id) do update
set feed = excluded.feed, suite = excluded.suite, success = excluded.success,
    critical_failed = excluded.critical_failed, row_failed = excluded.row_failed, results = excluded.results,
    parameters = excluded.parameters, data_docs = excluded.data_docs, evaluated_at = excluded.evaluated_at
