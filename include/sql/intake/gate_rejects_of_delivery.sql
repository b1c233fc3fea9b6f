-- Every refused row of a delivery with its reasons (one line per row), for receipts and the CLI.
with rejects as (
    select source_row, rule, reason
    from intake.reject
    where delivery_id = :delivery_id
)

select source_row, string_agg(rule, ', ' order by rule) as rules, string_agg(reason, '；' order by rule) as reason
from rejects
group by source_row
order by source_row
