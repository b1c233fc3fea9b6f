-- Rows of a delivery refused by intake (parsing) or the gate, each row counted once.
select count(distinct source_row) as rejected_rows
from intake.reject
where delivery_id = :delivery_id
