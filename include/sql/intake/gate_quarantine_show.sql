-- One quarantined (or released) delivery with its reasons and its gate result.
select
    q.delivery_id, q.feed, q.reasons, q.quarantined_at, q.released_at, q.released_by, q.release_note,
    d.file_name, d.sha256, d.as_of, d.state, d.rows_declared, d.rows_parsed, d.rows_rejected, d.data_docs,
    g.results, g.parameters
from intake.quarantine as q
join intake.delivery as d on d.delivery_id = q.delivery_id
left join intake.gate_result as g on g.delivery_id = q.delivery_id
where q.delivery_id = :delivery_id
